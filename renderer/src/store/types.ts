// The shape of the renderer's store: one zustand store assembled from slices (session, queue,
// detail, watches). Components read it through atomic selectors.

import type { BatchDeskApi } from '../../../shared/contract';
import type { ProgressBatch } from '../../../shared/progress-batch';
import type {
  AppInfo,
  FileState,
  ItemDetail,
  ItemProgress,
  ItemSpec,
  ItemSummary,
  KeychainStatus,
  ProfileSummary,
  Settings,
  StageName,
  WatchSpec,
  WatchSummary,
} from '../../../shared/domain';
import type { AppError, Result } from '../../../shared/result';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';
export type Route = 'queue' | 'watches' | 'history' | 'settings';

export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  message: string;
  itemId?: string;
  error?: AppError;
  /** Withdrawn when its item starts a job (the advice "start processing from the item" is then moot). */
  untilJob?: boolean;
}

export interface SessionSlice {
  api: BatchDeskApi;
  boot: LoadStatus;
  bootError?: AppError;
  info?: AppInfo;
  profiles: ProfileSummary[];
  keychain: KeychainStatus;
  settings?: Settings;
  route: Route;
  notices: Notice[];
  /** True from a start without an active profile until the operator leaves the welcome screen. */
  firstRun: boolean;
  init(): Promise<void>;
  finishFirstRun(): void;
  navigate(route: Route): void;
  addProfile(input: { name?: string; apiKey: string; apiUrl?: string; storage: 'keychain' | 'memory' }): Promise<Result<ProfileSummary>>;
  useDemo(): Promise<Result<ProfileSummary>>;
  selectProfile(id: string): Promise<Result<ProfileSummary>>;
  removeProfile(id: string): Promise<Result<null>>;
  saveSettings(patch: Partial<Settings>): Promise<Result<Settings>>;
  pushNotice(notice: Omit<Notice, 'id'>): void;
  dismissNotice(id: number): void;
}

/** The newest progress seen for an item, with the stage it was reported for. */
export interface LiveProgress {
  stage: StageName;
  progress: ItemProgress;
}

export interface QueueSlice {
  /**
   * Every item the console knows, by id. Changed in place (a 10,000-key copy per change cost more
   * than the change); each changed item is a new object, and `itemsVersion` is bumped.
   */
  items: Record<string, ItemSummary>;
  /** Bumped whenever `items` changes, for readers that depend on more than one item. */
  itemsVersion: number;
  /** Items shown in the queue, newest first. Replaced (never changed in place) when it changes. */
  queueIds: string[];
  /** How many of the queue's items are queued, running or waiting (kept as items change). */
  queueBusy: number;
  /** How many of the queue's items are finished (done, failed, cancelled) and not yet cleared. */
  queueFinished: number;
  /** Finished items, newest first. */
  historyIds: string[];
  /** Newest live progress per item. Updated in place; each changed entry is a new object. */
  live: Record<string, LiveProgress>;
  /** Throughput samples (bytes/s) of items in progress, at most one a second, newest last. Updated in place like `live`. */
  samples: Record<string, readonly number[]>;
  /** Bumped on every progress flush, so the store notifies subscribers. */
  progressVersion: number;
  queueStatus: LoadStatus;
  queueError?: AppError;
  historyStatus: LoadStatus;
  historyError?: AppError;
  /** Loads the queue from main page by page (`queue:list`); the first page shows at once. */
  loadQueue(): Promise<void>;
  loadHistory(): Promise<void>;
  clearHistory(): Promise<Result<null>>;
  /** Drops finished items from the queue view (they stay in History). */
  clearFinished(): void;
  applyItem(summary: ItemSummary): void;
  removeItem(id: string): void;
  /** Buffers a batch of progress; the newest figures per item are applied on the next flush. */
  receiveProgress(batch: ProgressBatch): void;
  flushProgress(): void;
  /** The rows a list has on screen (none when it leaves the screen): main sends their progress more often. */
  showRows(ids: readonly string[]): void;
  /** Tells main again which items this window shows (after the event stream came back). */
  resendFocus(): void;
  addItem(spec: ItemSpec): Promise<Result<ItemSummary>>;
  itemAction(action: ItemAction, id: string): Promise<Result<unknown>>;
}

export type ItemAction = 'pause' | 'resume' | 'cancel' | 'retry' | 'open-output' | 'abort-job';

export interface DetailState {
  id: string;
  status: LoadStatus;
  value?: ItemDetail;
  error?: AppError;
}

export type DetailTab = 'progress' | 'files' | 'shards' | 'job' | 'results';

export interface DetailSlice {
  selectedId: string | null;
  detail: DetailState | null;
  tab: DetailTab;
  filesFilter: FileState | 'all';
  openItem(id: string, view?: { tab?: DetailTab; filter?: FileState | 'all' }): void;
  setTab(tab: DetailTab): void;
  setFilesFilter(filter: FileState | 'all'): void;
  closeItem(): void;
  refreshDetail(): Promise<void>;
}

export interface WatchSlice {
  watches: Record<string, WatchSummary>;
  watchIds: string[];
  watchStatus: LoadStatus;
  watchError?: AppError;
  loadWatches(): Promise<void>;
  applyWatch(watch: WatchSummary): void;
  dropWatch(id: string): void;
  addWatch(spec: WatchSpec): Promise<Result<WatchSummary>>;
  updateWatch(id: string, spec: WatchSpec): Promise<Result<WatchSummary>>;
  watchAction(action: 'pause' | 'resume' | 'remove', id: string): Promise<Result<unknown>>;
}

export type AppState = SessionSlice & QueueSlice & DetailSlice & WatchSlice;

export interface StoreOptions {
  /** Schedules a progress flush; returns nothing. Defaults to a 200 ms timer (see queue-slice.ts). */
  scheduleFlush?: (flush: () => void) => void;
  /** Waits between two pages of the queue's listing. Defaults to a QUEUE_PAGE_GAP_MS timer (see queue-slice.ts). */
  betweenPages?: () => Promise<void>;
  now?: () => number;
}
