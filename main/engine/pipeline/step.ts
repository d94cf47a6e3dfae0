// A pipeline step: one stage of an item (scan, upload, indexing, processing, export). Each step is
// resumable on its own: it keeps its journal in the item folder and, run again after a crash or a
// pause, continues where it was without redoing or resending anything.

import type { ItemProgress, Settings, StageName, TransferSettings } from '../../../shared/domain';
import type { Logger } from '../log';
import type { RoboflowClient } from '../roboflow/client';
import type { ItemRecord } from './item-record';

export type ItemPatch = Partial<Pick<ItemRecord, 'batchId' | 'videoBatchId' | 'jobId' | 'outDir' | 'expiresAt' | 'warnings' | 'facts'>>;

export interface StepContext {
  /** A snapshot; use `patch` to change it durably. */
  readonly item: Readonly<ItemRecord>;
  readonly itemDir: string;
  readonly dataDir: string;
  /** Aborted on pause, cancel or shutdown; a step stops promptly and leaves its journal consistent. */
  readonly signal: AbortSignal;
  readonly transfer: TransferSettings;
  readonly log: Logger;
  settings(): Settings;
  /** A connected client for the active profile, refused unless of the item's workspace (Engine.clientForItem). */
  client(): Promise<RoboflowClient>;
  /** Durably records facts on the item before the step acts on them. */
  patch(patch: ItemPatch): void;
  /** Merges progress; the engine coalesces what reaches the UI to ≤ 10 events/s per item. */
  progress(update: Partial<ItemProgress>): void;
}

export interface Step {
  stage: Exclude<StageName, 'done'>;
  run(ctx: StepContext): Promise<void>;
}
