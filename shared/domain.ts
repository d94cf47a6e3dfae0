// Domain types shared by the engine, the command line and the UI. Words as in product-notes.md:
// item, plan, batch, shard, job, export, results, watch, profile, rejection.

import type { AppError } from './result';

/** The pipeline an item walks through; any step after upload can be left out by settings. */
export const STAGES = ['scan', 'upload', 'indexing', 'processing', 'export', 'done'] as const;
export type StageName = (typeof STAGES)[number];
export type StageState = 'pending' | 'active' | 'done' | 'failed' | 'skipped';

export type ItemState =
  | 'queued'
  | 'running'
  | 'waiting' // waiting on the service (indexing, job) — nothing local is moving
  | 'paused'
  | 'done'
  | 'failed'
  | 'cancelled';

/** How far an item goes: `ingest` stops once the batch is indexed; `full` goes to results. */
export type PipelineKind = 'ingest' | 'full';

export interface TransferSettings {
  /** Shards uploaded in parallel (default 8). */
  concurrency: number;
  /** Videos uploaded in parallel (default 2). */
  videoConcurrency: number;
  /** Files per tar shard (default 256, at most 500). */
  shardFiles: number;
  /** Bytes per tar shard (default 256 MiB). */
  shardBytes: number;
  /** Shared bandwidth cap for all transfers in bytes/s; 0 = unlimited. */
  bandwidthLimit: number;
  /** Parallel export downloads (default 8). */
  downloadConcurrency: number;
  /** Follow symbolic links while walking (loops are detected). */
  followSymlinks: boolean;
}

export const DEFAULT_TRANSFER: TransferSettings = {
  concurrency: 8,
  videoConcurrency: 2,
  shardFiles: 256,
  shardBytes: 256 * 1024 * 1024,
  bandwidthLimit: 0,
  downloadConcurrency: 8,
  followSymlinks: false,
};

/** Every option of a Workflow job (roboflow-api.md 5.1). Unset options are not sent. */
export interface JobOptions {
  workflowId: string;
  workflowParameters?: Record<string, unknown>;
  imageInputName?: string;
  machineType?: 'cpu' | 'gpu';
  workersPerMachine?: number;
  maxParallelTasks?: number;
  maxRuntimeSeconds?: number;
  maxImageFailureRate?: number;
  aggregationFormat?: 'csv' | 'jsonl';
  persistImageOutputs?: boolean;
  imageOutputsToSave?: string[];
  partName?: string;
  maxVideoFps?: number;
  jobName?: string;
  inferenceBackend?: 'old-inference' | 'inference-models';
  /** Our own id for the job; generated (and journaled) when absent. */
  jobId?: string;
}

export interface RestartOverrides {
  machineType?: 'cpu' | 'gpu';
  workersPerMachine?: number;
  maxParallelTasks?: number;
  maxRuntimeSeconds?: number;
  maxImageFailureRate?: number;
}

/** What the operator asks for when adding an item (a drop, the CLI, or a watch closing a batch). */
export interface ItemSpec {
  /** Folders or single files. */
  roots: string[];
  /** Display name; defaults to the first root's folder name. */
  name?: string;
  /** Remote staging batch id; generated from the name when absent. */
  batchId?: string;
  batchName?: string;
  pipeline: PipelineKind;
  /** Required when pipeline is `full`. */
  job?: JobOptions;
  /** Where export and results go; required when pipeline is `full`. */
  outDir?: string;
  transfer?: Partial<TransferSettings>;
  /** Set when a watch created the item. */
  watchId?: string;
}

export interface Counter {
  done: number;
  total: number;
}

export interface TaskCounts {
  total: number;
  waiting: number;
  running: number;
  succeeded: number;
  failed: number;
  /** 0..1, computed as the official client does (finished tasks whole, running ones by their progress). */
  fraction: number;
}

export interface ItemProgress {
  /** Files planned and sent (upload). */
  files: Counter;
  bytes: Counter;
  /** Files the service has indexed, as it reports them (not a local guess). */
  indexed: Counter;
  /** Files not sent or not accepted. */
  rejected: number;
  /** Rolling average over the last seconds, bytes/s, of whatever is transferring now. */
  throughput: number;
  etaSeconds: number | null;
  tasks?: TaskCounts;
  /**
   * Transfers waiting to be retried after a failure, with the latest reason: an item that slows
   * down because the service is failing says so, and says it will try again by itself.
   */
  retrying?: RetryingState;
  /** Export download. */
  exportFiles?: Counter;
  exportBytes?: Counter;
}

export interface RetryingState {
  /** Shards (or files) waiting for another attempt. */
  count: number;
  /** The latest failure, in plain words (e.g. "storage answered 503"). */
  reason: string;
  /** When the next of them is tried again. */
  nextAttemptAt: string;
  /**
   * The latest reason is no backoff but a check: a piece whose upload may have landed is looked for
   * in the batch before it is sent again, which can take as long as the service lists late (minutes).
   */
  checkingArrival?: boolean;
}

export function emptyProgress(): ItemProgress {
  return {
    files: { done: 0, total: 0 },
    bytes: { done: 0, total: 0 },
    indexed: { done: 0, total: 0 },
    rejected: 0,
    throughput: 0,
    etaSeconds: null,
  };
}

export interface ItemSummary {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  state: ItemState;
  /** The stage currently active (or the last one reached). */
  stage: StageName;
  stages: Record<StageName, StageState>;
  pipeline: PipelineKind;
  roots: string[];
  batchId: string;
  /** Videos go to their own batch. */
  videoBatchId?: string;
  jobId?: string;
  outDir?: string;
  watchId?: string;
  progress: ItemProgress;
  error?: AppError;
  /** When the remote staging data expires (7 days after upload). */
  expiresAt?: string;
  /** The Roboflow workspace the item's batches and jobs are in (known from its first connection). */
  workspace?: string;
  /** Plain sentences, e.g. "Inputs expire in 5 hours." */
  warnings: string[];
}

/**
 * A place in the queue listing's order (newest first: `createdAt` descending, then `id`
 * descending): the last item of a page. The next page starts with the first item after it, so
 * items added or removed meanwhile neither shift nor repeat the pages.
 */
export interface QueueCursor {
  createdAt: string;
  id: string;
}

/** One page of `queue:list`. */
export interface QueuePage {
  items: ItemSummary[];
  /** Where the next page starts (`after`), or null when this page is the last. */
  next: QueueCursor | null;
  /** Active and queued items in all when this page was read. */
  total: number;
}

/** Newest first: later `createdAt` first, ties by the larger id (ISO timestamps order as text). */
export function compareNewestFirst(a: QueueCursor, b: QueueCursor): number {
  if (a.createdAt !== b.createdAt) return a.createdAt > b.createdAt ? -1 : 1;
  return a.id === b.id ? 0 : a.id > b.id ? -1 : 1;
}

/** One page of a newest-first list: the items after `after` (all from the start without it). */
export function queuePage<T extends QueueCursor>(sorted: readonly T[], after: QueueCursor | undefined, limit: number): Omit<QueuePage, 'items'> & { items: T[] } {
  let start = 0;
  if (after) {
    // Binary search for the first item after the cursor (the cursor's item may be gone by now).
    let high = sorted.length;
    while (start < high) {
      const mid = (start + high) >>> 1;
      if (compareNewestFirst(sorted[mid]!, after) <= 0) start = mid + 1;
      else high = mid;
    }
  }
  const items = sorted.slice(start, start + limit);
  const last = items.at(-1);
  return {
    items,
    next: start + limit < sorted.length && last ? { createdAt: last.createdAt, id: last.id } : null,
    total: sorted.length,
  };
}

export type RejectionReason =
  | 'too-large'
  | 'empty'
  | 'unreadable'
  | 'unsupported-type'
  | 'vanished'
  | 'changed' // size or mtime differ from the plan by the time it is sent
  | 'symlink-skipped'
  | 'symlink-loop'
  | 'renamed-collision' // not a rejection: the file was sent under another name; reported for the record
  | 'rejected-by-service';

export interface Rejection {
  sourcePath: string;
  reason: RejectionReason;
  /** The operator-facing sentence. */
  message: string;
}

export type FileState = 'planned' | 'uploading' | 'uploaded' | 'indexed' | 'rejected';

/** One row of the item's Files tab. */
export interface FileRow {
  sourcePath: string;
  batchName: string | null;
  size: number;
  kind: 'image' | 'video' | 'other';
  state: FileState;
  shard: number | null;
  reason?: string;
}

export interface ShardRow {
  index: number;
  files: number;
  bytes: number;
  state: 'planned' | 'uploading' | 'uploaded' | 'indexed' | 'failed';
  attempts: number;
  /** Remote shard id once the service reports it. */
  remoteId?: string;
  error?: string;
}

export interface JobStageRow {
  id: string;
  name: string;
  statusType: string;
  notification: string;
  tasks: TaskCounts;
  outputBatches: string[];
  startedAt: string;
}

export interface JobLogRow {
  createdAt: string;
  severity: 'info' | 'warning' | 'error';
  message: string;
  taskId?: string | null;
}

export interface ItemDetail {
  summary: ItemSummary;
  shards: ShardRow[];
  stages: JobStageRow[];
  logs: JobLogRow[];
  /** Throughput samples (bytes/s), newest last, for the sparkline. */
  throughputHistory: number[];
  job?: JobOptions;
}

export interface ResultsPreview {
  columns: string[];
  rows: string[][];
  totalRows: number;
  path: string;
}

export interface Settings {
  apiUrl: string;
  transfer: TransferSettings;
  defaultOutDir: string;
  defaultJob: Partial<JobOptions>;
  /** What a drop does: run the whole pipeline, or ingest only. */
  pipelineOnDrop: PipelineKind;
  startAtLogin: boolean;
  notifications: boolean;
}

export interface ProfileSummary {
  id: string;
  name: string;
  workspace: string;
  apiUrl: string;
  /** e.g. `••••••••3fa9` — the key itself never leaves main. */
  maskedKey: string;
  storage: 'keychain' | 'memory' | 'environment';
  active: boolean;
}

export interface KeychainStatus {
  available: boolean;
  /** Why not, and what to do instead. */
  message?: string;
}

export interface BatchingRule {
  /** Close the batch after this many seconds with no new file. */
  quietSeconds: number;
  /** …or when it holds this many files. */
  maxFiles: number;
  /** …or this long after its first file. */
  maxMinutes: number;
}

export interface WatchSpec {
  folder: string;
  /** Which files: `images`, `videos` or `all` media. */
  filter: 'images' | 'videos' | 'all';
  job: JobOptions;
  outDir: string;
  rule: BatchingRule;
  /** Re-ingest files that change after they were sent. */
  reingestChanged: boolean;
  /** Prefix for generated batch ids. */
  batchPrefix?: string;
}

export type WatchState = 'watching' | 'polling' | 'paused' | 'folder-missing' | 'error';

export interface WatchSummary {
  id: string;
  spec: WatchSpec;
  state: WatchState;
  /** Plain sentence for the state, e.g. why it fell back to polling. */
  status: string;
  /** Files seen but not yet in a closed batch. */
  pendingFiles: number;
  /** Files still being written (size/mtime not yet stable). */
  waitingForWrite: number;
  lastBatchItemId?: string;
  /** When the open batch closes by the rule, if it has files. */
  nextCloseAt?: string;
  batchesCreated: number;
}

export interface DropPreview {
  folders: number;
  files: number;
  images: number;
  videos: number;
  bytes: number;
  /** True when the quick count stopped early (huge trees); figures are lower bounds. */
  partial: boolean;
}

export interface AppInfo {
  version: string;
  mode: 'desktop' | 'web';
  platform: string;
  dataDir: string;
  /** True when an offline emulator is available for a demo profile. */
  demoAvailable: boolean;
}
