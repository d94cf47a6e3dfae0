// The engine: a queue of items, each walking its pipeline of steps. It owns item state, runs a few
// items at a time, turns pause/cancel into AbortSignals, coalesces progress, and after a restart
// resumes every item that was not finished, from the steps' journals.

import { EventEmitter } from 'node:events';
import { STAGES, compareNewestFirst, queuePage, type ItemProgress, type ItemSpec, type ItemSummary, type JobOptions, type QueueCursor, type QueuePage, type Settings, type StageName } from '../../../shared/domain';
import type { ItemProgressEvent } from '../../../shared/contract';
import type { AppError } from '../../../shared/result';
import { silentLogger, type Logger } from '../log';
import { redact } from '../secrets';
import type { RoboflowClient } from '../roboflow/client';
import { ApiError } from '../roboflow/http';
import { JobFailedError } from '../jobs/job-failed-error';
import { untilAborted } from '../abortable';
import { acquireDataDirLock } from '../data-dir-lock';
import { ItemStore, createItemRecord, isFinished, toSummary, type ItemRecord } from './item-record';
import type { Step, StepContext } from './step';

export interface EngineOptions {
  dataDir: string;
  steps: Step[];
  client: () => Promise<RoboflowClient>;
  settings: () => Settings;
  log?: Logger;
  /** Items running at once (default 2). */
  maxConcurrentItems?: number;
  /** Minimum ms between progress events for one item (default 100 = 10/s). */
  progressIntervalMs?: number;
  /** Refuse to open a data folder another live process is running (default true). */
  lockDataDir?: boolean;
}

export interface EngineEvents {
  item: [ItemSummary];
  progress: [ItemProgressEvent];
  removed: [{ id: string }];
}

type StopReason = 'pause' | 'cancel' | 'shutdown';

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export class Engine extends EventEmitter<EngineEvents> {
  readonly store: ItemStore;
  private readonly records = new Map<string, ItemRecord>();
  private readonly running = new Map<string, Running>();
  private readonly waiting: string[] = [];
  /** Resumed or retried while their previous run was still unwinding: queued again once it ends. */
  private readonly requeueAfterStop = new Set<string>();
  /** Items whose cancel is aborting their jobs first (`cancelAfter`): settles once it has ended. */
  private readonly cancelling = new Map<string, Promise<void>>();
  private readonly lastProgressAt = new Map<string, number>();
  private readonly pendingProgress = new Map<string, NodeJS.Timeout>();
  private readonly log: Logger;
  private closed = false;
  private readonly releaseLock: () => void;

  constructor(private readonly opts: EngineOptions) {
    super();
    this.releaseLock = opts.lockDataDir === false ? () => undefined : acquireDataDirLock(opts.dataDir);
    this.store = new ItemStore(opts.dataDir);
    this.log = opts.log ?? silentLogger;
    for (const r of this.store.list()) this.records.set(r.id, r);
  }

  private sorted: ItemRecord[] | null = null;

  /** Creates the item durably, then queues it. */
  add(spec: ItemSpec): ItemSummary {
    return this.admit(createItemRecord(spec));
  }

  /** An item on a batch that already exists remotely (e.g. `batch-desk process`): scan, upload and indexing are skipped. */
  addExisting(spec: ItemSpec): ItemSummary {
    const record = createItemRecord(spec);
    for (const s of ['scan', 'upload', 'indexing'] as const) record.stages[s] = 'skipped';
    record.stage = 'processing';
    return this.admit(record);
  }

  private admit(record: ItemRecord): ItemSummary {
    this.store.save(record);
    this.records.set(record.id, record);
    this.sorted = null;
    this.emitItem(record);
    this.enqueue(record.id);
    return toSummary(record);
  }

  list(): ItemSummary[] {
    return this.newestFirst().map(toSummary);
  }

  /**
   * One page of the unfinished items, newest first. The renderer pages through 10,000 items 250 at a
   * time, so only the page is summarized and the order is sorted once per change of membership.
   */
  activePage(after: QueueCursor | undefined, limit: number): QueuePage {
    const page = queuePage(this.newestFirst().filter((r) => !isFinished(r.state)), after, limit);
    return { ...page, items: page.items.map(toSummary) };
  }

  /** Finished items, newest first, at most `limit` of them: only those are summarized. */
  finishedItems(limit?: number): ItemSummary[] {
    const done = this.newestFirst().filter((r) => isFinished(r.state));
    return (limit ? done.slice(0, limit) : done).map(toSummary);
  }

  /** Every record, newest first; kept until an item is added or removed (createdAt never changes). */
  private newestFirst(): ItemRecord[] {
    this.sorted ??= [...this.records.values()].sort(compareNewestFirst);
    return this.sorted;
  }

  get(id: string): ItemRecord | undefined {
    return this.records.get(id);
  }

  /**
   * The client for any remote work of an item: its steps' (StepContext.client) and the per-item
   * calls of the host and the command line (cancel, abort, restart…). An item belongs to the
   * workspace of its first connection, kept in its record; a client of another workspace (the
   * active profile switched or removed, another key on the command line) is refused before
   * anything is sent, so nothing of the item ever lands in, or is asked of, that workspace.
   */
  async clientForItem(id: string): Promise<RoboflowClient> {
    const r = this.require(id);
    const client = await this.opts.client();
    if (!r.workspace) {
      r.workspace = client.workspace;
      this.store.save(r);
      this.emitItem(r);
    } else if (client.workspace !== r.workspace) {
      throw new ApiError(
        `This item belongs to workspace "${r.workspace}"; the API key in use is for "${client.workspace}". ` +
          `Switch to a profile of "${r.workspace}" (Settings › Profiles, or ROBOFLOW_API_KEY on the command line), then retry.`,
        'conflict',
        'connect',
      );
    }
    return client;
  }

  itemDir(id: string): string {
    return this.store.itemDir(id);
  }

  /** After a restart: queue every item that was running or queued when the process stopped. */
  resumeAll(): ItemSummary[] {
    const resumed: ItemSummary[] = [];
    for (const r of this.records.values()) {
      if (!isFinished(r.state) && r.state !== 'paused') {
        this.enqueue(r.id);
        resumed.push(toSummary(r));
      }
    }
    return resumed;
  }

  pause(id: string): ItemSummary {
    const r = this.require(id);
    if (isFinished(r.state)) return toSummary(r);
    this.dequeue(id);
    this.stop(id, 'pause');
    this.setState(r, 'paused');
    return toSummary(r);
  }

  resume(id: string): ItemSummary {
    const r = this.require(id);
    if (r.state === 'paused' || r.state === 'queued') {
      this.setState(r, 'queued');
      this.enqueue(id);
    }
    return toSummary(r);
  }

  cancel(id: string): ItemSummary {
    const r = this.require(id);
    if (isFinished(r.state)) return toSummary(r);
    this.dequeue(id);
    this.stop(id, 'cancel');
    // The stage it was in stops unfinished; those it never reached will not run.
    for (const s of STAGES) {
      if (s === 'done') continue;
      if (r.stages[s] === 'active') r.stages[s] = 'failed';
      else if (r.stages[s] === 'pending') r.stages[s] = 'skipped';
    }
    this.setState(r, 'cancelled');
    return toSummary(r);
  }

  /**
   * Cancels once `first` (the caller's aborts of the item's jobs) has succeeded; if it throws, the
   * item is not cancelled. Meanwhile the item's run may see its job aborted by `first` (a poll
   * answered between the abort and the cancel): that step's failure waits for the outcome, so the
   * item ends cancelled, not failed.
   */
  async cancelAfter(id: string, first: () => Promise<void>): Promise<ItemSummary> {
    this.require(id);
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.cancelling.set(id, settled);
    try {
      await first();
      return this.cancel(id);
    } finally {
      if (this.cancelling.get(id) === settled) this.cancelling.delete(id);
      settle();
    }
  }

  /** Re-runs the failed step; finished steps are not redone (their journals say so). */
  retry(id: string): ItemSummary {
    const r = this.require(id);
    if (r.state !== 'failed' && r.state !== 'cancelled') return toSummary(r);
    for (const s of STAGES) if (r.stages[s] === 'failed') r.stages[s] = 'pending';
    if (r.state === 'cancelled') {
      // Cancel skipped the stages from the one it stopped at on; skips before it are the item's
      // own (an existing batch has no scan, upload or indexing), as are an ingest-only item's.
      const at = STAGES.indexOf(r.stage);
      const ownSkip = (s: StageName) => STAGES.indexOf(s) < at || (r.spec.pipeline === 'ingest' && (s === 'processing' || s === 'export'));
      for (const s of STAGES) if (r.stages[s] === 'skipped' && !ownSkip(s)) r.stages[s] = 'pending';
    }
    r.error = undefined;
    this.setState(r, 'queued');
    this.enqueue(id);
    return toSummary(r);
  }

  /** Sets (or replaces) the job of an item and runs processing and export after ingest. */
  startJob(id: string, job: JobOptions, outDir: string): ItemSummary {
    const r = this.require(id);
    if (r.stages.processing === 'done') throw new ApiError('This item has already been processed.', 'conflict', 'start job');
    if (r.state === 'running' || r.state === 'waiting') {
      if (r.stages.processing === 'active') throw new ApiError('A job is already running for this item.', 'conflict', 'start job');
    }
    r.spec = { ...r.spec, pipeline: 'full', job, outDir };
    r.outDir = outDir;
    for (const s of ['processing', 'export'] as const) if (r.stages[s] !== 'done') r.stages[s] = 'pending';
    if (r.stages.done === 'done') r.stages.done = 'pending';
    r.error = undefined;
    if (!this.running.has(id)) {
      this.setState(r, 'queued');
      this.enqueue(id);
    } else {
      this.store.save(r);
      this.emitItem(r);
    }
    return toSummary(r);
  }

  /** Forgets finished items (their folders are deleted). */
  clearFinished(): void {
    for (const r of [...this.records.values()]) {
      if (isFinished(r.state)) {
        this.records.delete(r.id);
        this.sorted = null;
        this.store.remove(r.id);
        this.emit('removed', { id: r.id });
      }
    }
  }

  /** Resolves when the item is no longer queued or running. */
  async waitFor(id: string): Promise<ItemSummary> {
    for (;;) {
      const r = this.require(id);
      const run = this.running.get(id);
      if (run) await run.done;
      else if (!this.waiting.includes(id)) return toSummary(r);
      else await new Promise((res) => this.once('item', () => res(undefined)));
    }
  }

  /** Stops running steps without marking items paused, so the next start resumes them. */
  async close(): Promise<void> {
    this.closed = true;
    // Items still queued stay queued (the next start resumes them); whoever waits for one is told.
    const queued = this.waiting.splice(0);
    for (const id of queued) this.emitItem(this.require(id));
    const runs = [...this.running.entries()];
    for (const [id] of runs) this.stop(id, 'shutdown');
    await Promise.all(runs.map(([, r]) => r.done));
    for (const t of this.pendingProgress.values()) clearTimeout(t);
    this.releaseLock();
  }

  // ---- internals ----

  private require(id: string): ItemRecord {
    const r = this.records.get(id);
    if (!r) throw new ApiError(`No item with id ${id}.`, 'not-found', 'item');
    return r;
  }

  private enqueue(id: string): void {
    if (this.closed || this.waiting.includes(id)) return;
    if (this.running.has(id)) {
      // A pause or cancel is still unwinding this item's run; start again once it has.
      if (this.running.get(id)!.controller.signal.aborted) this.requeueAfterStop.add(id);
      return;
    }
    this.waiting.push(id);
    this.pump();
  }

  private dequeue(id: string): void {
    this.requeueAfterStop.delete(id);
    const i = this.waiting.indexOf(id);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  private pump(): void {
    const max = this.opts.maxConcurrentItems ?? 2;
    while (!this.closed && this.running.size < max && this.waiting.length > 0) {
      const id = this.waiting.shift()!;
      const controller = new AbortController();
      const done = this.runItem(id, controller)
        .catch((err: unknown) => this.runFailed(id, err))
        .finally(() => {
          this.running.delete(id);
          if (this.requeueAfterStop.delete(id)) this.waiting.push(id);
          this.pump();
        });
      this.running.set(id, { controller, done });
    }
  }

  /**
   * A run that threw outside its steps: the item record could not be saved (the data disk is full,
   * say). Whatever the operator last saw stands if it was already a failure; otherwise the item
   * fails with that reason, shown though it cannot be saved.
   */
  private runFailed(id: string, err: unknown): void {
    const r = this.records.get(id);
    this.log.error('item run failed outside its steps', { item: id, error: toAppError(err).message });
    if (!r || r.state === 'failed') return;
    if (r.stages[r.stage] === 'active') r.stages[r.stage] = 'failed';
    r.error = toAppError(err);
    r.state = 'failed';
    this.emitItem(r);
  }

  private stop(id: string, reason: StopReason): void {
    this.running.get(id)?.controller.abort(new StopSignal(reason));
  }

  private async runItem(id: string, controller: AbortController): Promise<void> {
    const r = this.require(id);
    this.setState(r, 'running');
    for (const step of this.opts.steps) {
      if (r.stages[step.stage] === 'done' || r.stages[step.stage] === 'skipped') continue;
      if (controller.signal.aborted) return;
      r.stage = step.stage;
      r.stages[step.stage] = 'active';
      this.setState(r, step.stage === 'indexing' || step.stage === 'processing' ? 'waiting' : 'running');
      try {
        await step.run(this.context(r, controller.signal));
        if (controller.signal.aborted) return this.stopped(r, controller.signal);
        r.stages[step.stage] = 'done';
        this.store.save(r);
      } catch (err) {
        // a cancel's job abort may be why the step failed: its outcome decides
        await this.cancelling.get(id);
        if (controller.signal.aborted) return this.stopped(r, controller.signal);
        r.stages[step.stage] = 'failed';
        r.error = toAppError(err);
        this.log.error('step failed', { item: r.id, stage: step.stage, error: r.error.message });
        this.flushProgress(r);
        this.setState(r, 'failed');
        return;
      }
    }
    r.stage = 'done';
    r.stages.done = 'done';
    this.flushProgress(r);
    this.setState(r, 'done');
  }

  private stopped(r: ItemRecord, signal: AbortSignal): void {
    const reason = signal.reason instanceof StopSignal ? signal.reason.reason : 'shutdown';
    // pause and cancel already set their state; on shutdown the active stage stays active so the
    // next start resumes it.
    if (reason === 'shutdown') this.store.save(r);
    this.flushProgress(r);
  }

  private context(r: ItemRecord, signal: AbortSignal): StepContext {
    const settings = this.opts.settings();
    return {
      item: r,
      itemDir: this.store.itemDir(r.id),
      dataDir: this.opts.dataDir,
      signal,
      transfer: { ...settings.transfer, ...r.spec.transfer },
      log: this.log.child(r.id),
      settings: this.opts.settings,
      // a pause or cancel stops the step at once, even while the connection is still being made
      client: () => untilAborted(this.clientForItem(r.id), signal),
      patch: (p) => {
        Object.assign(r, p);
        this.store.save(r);
        this.emitItem(r);
      },
      progress: (update) => this.progress(r, update),
    };
  }

  private progress(r: ItemRecord, update: Partial<ItemProgress>): void {
    r.progress = { ...r.progress, ...update };
    const interval = this.opts.progressIntervalMs ?? 100;
    const since = Date.now() - (this.lastProgressAt.get(r.id) ?? 0);
    if (since >= interval) {
      this.sendProgress(r);
    } else if (!this.pendingProgress.has(r.id)) {
      this.pendingProgress.set(
        r.id,
        setTimeout(() => this.sendProgress(r), interval - since),
      );
    }
  }

  private flushProgress(r: ItemRecord): void {
    if (this.pendingProgress.has(r.id)) this.sendProgress(r);
  }

  private sendProgress(r: ItemRecord): void {
    const t = this.pendingProgress.get(r.id);
    if (t) clearTimeout(t);
    this.pendingProgress.delete(r.id);
    this.lastProgressAt.set(r.id, Date.now());
    this.emit('progress', { id: r.id, stage: r.stage, progress: r.progress });
  }

  private setState(r: ItemRecord, state: ItemRecord['state']): void {
    r.state = state;
    try {
      this.store.save(r);
    } finally {
      this.emitItem(r); // shown even when the disk refuses it
    }
  }

  private emitItem(r: ItemRecord): void {
    this.emit('item', toSummary(r));
  }
}

class StopSignal extends Error {
  constructor(readonly reason: StopReason) {
    super(reason);
  }
}

/** Plain words for the operator; the key never appears (ApiError and redact see to that). */
export function toAppError(err: unknown): AppError {
  if (err instanceof ApiError) {
    const e: AppError = { code: err.code, message: err.message, detail: err.body, retryable: err.retryable };
    return err instanceof JobFailedError ? { ...e, failedJobId: err.jobId } : e;
  }
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    return { code: 'io', message: redact(ioMessage(e)), detail: redact(e.message) };
  }
  return { code: 'internal', message: redact(e?.message ?? String(err)) };
}

function ioMessage(e: NodeJS.ErrnoException): string {
  const where = e.path ? ` (${e.path})` : '';
  switch (e.code) {
    case 'ENOSPC':
      return `The disk is full${where}. Free some space, then retry.`;
    case 'EACCES':
    case 'EPERM':
      return `Permission denied${where}. Check the folder's permissions, then retry.`;
    case 'ENOENT':
      return `Not found${where}.`;
    default:
      return `${e.code}${where}: ${e.message}`;
  }
}

export type { StageName };
