// The one typed contract between the UI and main, for the Electron bridge and the web transport alike.
// Invoke channels are named `domain:verb`; each returns a Result envelope. Event channels push state
// from main to the UI; progress is coalesced in main to at most 10 events per second per item.

import type {
  AppInfo,
  DropPreview,
  FileRow,
  FileState,
  ItemDetail,
  ItemSpec,
  ItemSummary,
  JobLogRow,
  JobOptions,
  KeychainStatus,
  ProfileSummary,
  RestartOverrides,
  ResultsPreview,
  Settings,
  WatchSpec,
  WatchSummary,
  ItemProgress,
  QueueCursor,
  QueuePage,
  StageName,
} from './domain';
import type { AppError, Result } from './result';
import type { ProgressBatch } from './progress-batch';

type Channel<A, R> = { args: A; result: R };
type None = Record<string, never>;

export interface InvokeChannels {
  'app:info': Channel<None, AppInfo>;

  'profiles:list': Channel<None, { profiles: ProfileSummary[]; keychain: KeychainStatus }>;
  /** Checks the key against the service (workspace resolution) before saving it. */
  'profiles:add': Channel<
    { name?: string; apiKey: string; apiUrl?: string; storage: 'keychain' | 'memory' },
    ProfileSummary
  >;
  /** A profile against the bundled offline emulator, when `AppInfo.demoAvailable`. */
  'profiles:use-demo': Channel<None, ProfileSummary>;
  'profiles:select': Channel<{ id: string }, ProfileSummary>;
  'profiles:remove': Channel<{ id: string }, null>;

  'settings:get': Channel<None, Settings>;
  'settings:set': Channel<Partial<Settings>, Settings>;

  /** A quick count of what a drop would add, for the overlay ("3 folders · 12,408 images · 1.9 GB"). */
  'queue:preview': Channel<{ paths: string[] }, DropPreview>;
  'queue:add': Channel<ItemSpec, ItemSummary>;
  /**
   * Active and queued items, newest first, one page at a time (a 10,000-item queue in one answer
   * blocked the UI for half a second just to deserialize). Pass the previous page's `next` as
   * `after` until `next` is null.
   */
  'queue:list': Channel<{ after?: QueueCursor; limit?: number }, QueuePage>;
  /** Finished items (done, failed, cancelled), newest first. */
  'history:list': Channel<{ limit?: number }, ItemSummary[]>;
  'history:clear': Channel<None, null>;

  /**
   * The items a console window or tab shows now (its rows on screen and its open item): their
   * progress comes five times a second, every other item's when it comes into view, with its
   * throughput sparkline so far (`ProgressBatch.histories`). `viewer` is the window's
   * own random id, so two windows do not take each other's focus. Replaces the viewer's last focus.
   */
  'progress:focus': Channel<{ viewer: string; ids: string[] }, null>;
  'item:get': Channel<{ id: string }, ItemDetail>;
  'item:files': Channel<
    { id: string; offset: number; limit: number; state?: FileState | 'all' },
    { rows: FileRow[]; total: number }
  >;
  /** Rejected files with reasons, as CSV text. */
  'item:rejections-csv': Channel<{ id: string }, string>;
  'item:pause': Channel<{ id: string }, ItemSummary>;
  'item:resume': Channel<{ id: string }, ItemSummary>;
  'item:cancel': Channel<{ id: string }, ItemSummary>;
  /** Retries what failed (shards, downloads, or the whole step) without redoing what is done. */
  'item:retry': Channel<{ id: string }, ItemSummary>;
  /** Starts processing an ingested item (or sets the job for one still ingesting). */
  'item:start-job': Channel<{ id: string; job: JobOptions; outDir: string }, ItemSummary>;
  'item:abort-job': Channel<{ id: string }, ItemSummary>;
  'item:restart-job': Channel<{ id: string; overrides: RestartOverrides }, ItemSummary>;
  'item:logs': Channel<{ id: string }, JobLogRow[]>;
  'item:results-preview': Channel<{ id: string; rows: number }, ResultsPreview>;
  /** Desktop: shows the output folder in the file manager. Web: returns the path. */
  'item:open-output': Channel<{ id: string }, { path: string; opened: boolean }>;

  'watches:list': Channel<None, WatchSummary[]>;
  'watches:add': Channel<WatchSpec, WatchSummary>;
  'watches:update': Channel<{ id: string; spec: WatchSpec }, WatchSummary>;
  'watches:pause': Channel<{ id: string }, WatchSummary>;
  'watches:resume': Channel<{ id: string }, WatchSummary>;
  'watches:remove': Channel<{ id: string }, null>;

  /** Native folder picker (desktop only; `unsupported` in web mode, where the UI asks for a path). */
  'dialog:pick-folder': Channel<{ title?: string }, string | null>;
}

export type InvokeChannel = keyof InvokeChannels;
export type InvokeArgs<C extends InvokeChannel> = InvokeChannels[C]['args'];
export type InvokeResult<C extends InvokeChannel> = InvokeChannels[C]['result'];

/** `queue:list` pages: `limit` defaults to QUEUE_PAGE_DEFAULT and may be at most QUEUE_PAGE_MAX. */
export const QUEUE_PAGE_DEFAULT = 250;
export const QUEUE_PAGE_MAX = 1000;
/** `progress:focus` names at most this many items: more rows than any screen shows. */
export const PROGRESS_FOCUS_MAX = 500;

/** Every invoke channel, so transports and the preload can be built from one list. */
export const INVOKE_CHANNELS = [
  'app:info',
  'profiles:list',
  'profiles:add',
  'profiles:use-demo',
  'profiles:select',
  'profiles:remove',
  'settings:get',
  'settings:set',
  'queue:preview',
  'queue:add',
  'queue:list',
  'history:list',
  'history:clear',
  'progress:focus',
  'item:get',
  'item:files',
  'item:rejections-csv',
  'item:pause',
  'item:resume',
  'item:cancel',
  'item:retry',
  'item:start-job',
  'item:abort-job',
  'item:restart-job',
  'item:logs',
  'item:results-preview',
  'item:open-output',
  'watches:list',
  'watches:add',
  'watches:update',
  'watches:pause',
  'watches:resume',
  'watches:remove',
  'dialog:pick-folder',
] as const satisfies readonly InvokeChannel[];

// Compile-time check that the list names every channel exactly.
type Missing = Exclude<InvokeChannel, (typeof INVOKE_CHANNELS)[number]>;
const _allChannelsListed: Missing extends never ? true : Missing = true;
void _allChannelsListed;

export interface ItemProgressEvent {
  id: string;
  stage: StageName;
  progress: ItemProgress;
}

export interface EventChannels {
  /** An item was added or changed state (not sent for mere progress). */
  'queue:item': ItemSummary;
  'queue:removed': { id: string };
  /** Items' newest progress, gathered by the host (progress-batcher.ts) and packed (progress-batch.ts). */
  'item:progress': ProgressBatch;
  'watch:changed': WatchSummary;
  'watch:removed': { id: string };
  'profiles:changed': { profiles: ProfileSummary[] };
  /** Something the operator should see once (an item finished, a watch paused…). */
  notice: { level: 'info' | 'warning' | 'error'; message: string; itemId?: string };
}

export type EventChannel = keyof EventChannels;

export const EVENT_CHANNELS = [
  'queue:item',
  'queue:removed',
  'item:progress',
  'watch:changed',
  'watch:removed',
  'profiles:changed',
  'notice',
] as const satisfies readonly EventChannel[];

type MissingEvents = Exclude<EventChannel, (typeof EVENT_CHANNELS)[number]>;
const _allEventsListed: MissingEvents extends never ? true : MissingEvents = true;
void _allEventsListed;

/**
 * What the UI sees, whatever the transport: the preload bridge in the desktop app, or the web
 * client against `batch-desk serve`. One function per channel, no generic send.
 */
export type BatchDeskApi = {
  [C in InvokeChannel]: (args: InvokeArgs<C>) => Promise<Result<InvokeResult<C>>>;
} & {
  /** Subscribes to an event channel; returns the unsubscribe. The listener never sees an IPC event. */
  subscribe<E extends EventChannel>(event: E, listener: (payload: EventChannels[E]) => void): () => void;
  /**
   * Desktop only: the absolute paths of DOM `File`s dropped onto the window (webUtils.getPathForFile in
   * the preload). Typed `unknown` because shared/ knows no DOM.
   */
  pathsForDroppedFiles?: (files: readonly unknown[]) => string[];
};

/** The main-side implementation of every channel; the Electron glue and the web server both wrap it. */
export type ChannelHandlers = {
  [C in InvokeChannel]: (args: InvokeArgs<C>) => Promise<InvokeResult<C>>;
};

export type { AppError, Result };
