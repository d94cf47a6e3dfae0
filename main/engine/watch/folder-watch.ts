// One running watch: the folder's watcher and scans feed a stability tracker; complete files join
// the open batch, which closes by the rule and becomes a normal queue item. Every step is journaled
// before it is acted on, so a crash at any moment resumes without taking a file twice:
//   seen → stable (open batch) → close <batch id> (intent) → engine.add → item <item id>.

import fs from 'node:fs';
import path from 'node:path';
import type { ItemSpec, ItemSummary, JobOptions, WatchSpec, WatchState, WatchSummary } from '../../../shared/domain';
import type { Journal } from '../journal';
import { silentLogger, type Logger } from '../log';
import { closeTime, describeRule, isFull } from './batching-rule';
import { watchBatchId } from './batch-id';
import { scanFolder } from './folder-scan';
import { FsWatcher } from './fs-watcher';
import { openLedger, signature, type Ledger, type LedgerRecord } from './ledger';
import { compactLiveJournal, journalOutgrown } from './ledger-compaction';
import { StabilityTracker, type StableFile } from './stability';

/** What a watch needs from the engine (the real Engine satisfies it). */
export interface WatchEngine {
  add(spec: ItemSpec): ItemSummary;
  list(): ItemSummary[];
}

export interface WatchTiming {
  /** Size and mtime must hold still this long before a file is taken (default 2 s). */
  stableMs: number;
  /** How often the folder itself is checked (gone, unreadable, remounted) (default 2 s). */
  folderCheckMs: number;
  /** Polling interval when notifications are not available (default 1 s). */
  pollIntervalMs: number;
  /** Full rescan as a backstop for dropped notifications (default 10 min). */
  rescanMs: number;
  /** Group commit window for `seen` records (default 100 ms). */
  seenFlushMs: number;
}

export const DEFAULT_TIMING: WatchTiming = {
  stableMs: 2000,
  folderCheckMs: 2000,
  pollIntervalMs: 1000,
  rescanMs: 10 * 60_000,
  seenFlushMs: 100,
};

export interface BatchCreated {
  watchId: string;
  batchId: string;
  itemId: string;
  files: number;
}

export interface FolderWatchOptions {
  id: string;
  spec: WatchSpec;
  /** This watch's own folder (journal), `<dataDir>/watches/<id>`. */
  dir: string;
  engine: WatchEngine;
  timing?: Partial<WatchTiming>;
  forcePolling?: boolean;
  log?: Logger;
  /** Saved as paused: the summary says so from the start. */
  paused?: boolean;
  /** Something in the summary changed (the owner coalesces). */
  onChange?: () => void;
  onBatch?: (batch: BatchCreated) => void;
}

const BURST_RESCAN_EVENTS = 2000;

type Phase = 'stopped' | 'starting' | 'active' | 'paused' | 'missing' | 'error';

export class FolderWatch {
  readonly id: string;
  readonly spec: WatchSpec;
  private readonly folder: string;
  private readonly timing: WatchTiming;
  private readonly log: Logger;
  private readonly tracker: StabilityTracker;
  private ledger!: Ledger;
  private journal: Journal<LedgerRecord> | null = null;
  private phase: Phase;
  private problem = '';
  private fsw: FsWatcher | null = null;
  private folderDev: number | undefined;
  private closeTimer: NodeJS.Timeout | null = null;
  private rescanTimer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private seenTimer: NodeJS.Timeout | null = null;
  private seenBuffer: LedgerRecord[] = [];
  private scanning: Promise<void> | null = null;
  private readonly scanQueue = new Map<string, boolean>();
  private scanAbort: AbortController | null = null;
  private transition: Promise<void> = Promise.resolve();
  private checkingHealth = false;
  /** File events since the last full scan; a big burst is followed by a scan (the OS may drop events). */
  private eventsSinceScan = 0;

  constructor(private readonly opts: FolderWatchOptions) {
    this.id = opts.id;
    this.spec = opts.spec;
    this.folder = path.resolve(opts.spec.folder);
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    // Until start() has run, the summary already tells what is about to happen.
    this.phase = opts.paused ? 'paused' : 'starting';
    this.log = (opts.log ?? silentLogger).child(`watch.${opts.id}`);
    this.tracker = new StabilityTracker(
      { stableMs: this.timing.stableMs },
      (files) => this.onStable(files),
      () => this.onGone(),
    );
  }

  /** Opens the journal and watches (unless paused); a journal that cannot be opened is retried by the folder check. */
  async start(paused = this.opts.paused ?? false): Promise<void> {
    this.healthTimer = setInterval(() => void this.checkHealth(), this.timing.folderCheckMs);
    await this.serially(() => this.load(paused));
  }

  async pause(): Promise<void> {
    await this.serially(async () => {
      if (this.phase === 'paused' || this.phase === 'stopped') return;
      await this.deactivate();
      this.phase = 'paused';
      this.changed();
    });
  }

  async resume(): Promise<void> {
    await this.serially(async () => {
      if (this.phase !== 'paused') return;
      await (this.journal ? this.activate() : this.load(false)); // paused before its journal could be opened
    });
  }

  /** Stops everything and closes the journal; the open batch stays open for the next start. */
  async stop(): Promise<void> {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = null;
    await this.serially(async () => {
      await this.deactivate();
      this.phase = 'stopped';
      this.journal?.close();
      this.journal = null;
    });
  }

  /** Resolves when a scan under way has finished (tests and the CLI use it). */
  async idle(): Promise<void> {
    await this.transition;
    while (this.scanning) await this.scanning;
  }

  summary(): WatchSummary {
    const open = this.ledger?.open.size ?? 0;
    const next = this.phase === 'active' && this.ledger ? closeTime(this.spec.rule, this.openTiming()) : null;
    return {
      id: this.id,
      spec: this.spec,
      state: this.state(),
      status: this.statusSentence(),
      pendingFiles: this.tracker.size + open,
      waitingForWrite: this.tracker.size,
      lastBatchItemId: this.ledger?.lastItemId,
      nextCloseAt: next === null ? undefined : new Date(next).toISOString(),
      batchesCreated: this.ledger?.batchesCreated ?? 0,
    };
  }

  // ---- activation ----

  /** Runs state changes one at a time (pause during a rescan, folder back during a pause…). */
  private serially(fn: () => Promise<void>): Promise<void> {
    const next = this.transition.then(fn, fn);
    this.transition = next.catch(() => undefined);
    return next;
  }

  /** Replays the journal, creates items for batches closed before a crash, then watches (unless paused). */
  private async load(paused: boolean): Promise<void> {
    const file = path.join(this.opts.dir, 'journal.jsonl');
    try {
      const { ledger, journal } = await openLedger(file);
      this.ledger = ledger;
      this.journal = journal;
    } catch (err) {
      // EACCES, ENOSPC, EMFILE…: say so, rather than "starting" for ever; the folder check tries again.
      const message = `The watch cannot open its journal (${(err as Error).message}). It tries again by itself.`;
      if (this.problem !== message) this.log.error('watch journal cannot be opened', { file, error: (err as Error).message });
      this.phase = 'error';
      this.problem = message;
      this.changed();
      return;
    }
    this.problem = '';
    this.recoverClosedBatches();
    // Files seen before the restart but not yet complete are looked at again.
    for (const [p, sig] of this.ledger.seen) {
      const [s, m] = sig.split(':').map(Number);
      this.tracker.observe(p, s, m);
    }
    this.ledger.seen.clear();
    if (paused) {
      this.phase = 'paused';
      this.changed();
      return;
    }
    await this.activate();
  }

  private async activate(): Promise<void> {
    this.phase = 'starting';
    const problem = await folderProblem(this.folder);
    if (problem) return this.enterMissing(problem.message);
    this.folderDev = (await fs.promises.stat(this.folder).catch(() => null))?.dev;
    try {
      const fsw = await FsWatcher.open({
        root: this.folder,
        filter: this.spec.filter,
        forcePolling: this.opts.forcePolling,
        pollIntervalMs: this.timing.pollIntervalMs,
      });
      this.fsw = fsw;
      fsw.on('file', (p) => {
        if (this.phase === 'active') this.onFileEvent(p);
      });
      fsw.on('dir', (d, recursive) => {
        if (this.phase === 'active') this.queueScan(d, recursive);
      });
      fsw.on('root', () => void this.checkHealth());
      fsw.on('mode', (_mode, status) => {
        this.log.warn('watcher fell back to polling', { status });
        this.changed();
        void this.rescan(); // notifications may have been lost before the switch
      });
      fsw.on('problem', (err) => this.log.warn('watcher problem', { error: err.message }));
    } catch (err) {
      return this.enterMissing(`The folder ${this.folder} cannot be watched: ${(err as Error).message}`);
    }
    if (this.fsw?.mode === 'polling') this.log.info('polling', { status: this.fsw.status });
    this.phase = 'active';
    this.problem = '';
    this.tracker.start();
    this.armCloseTimer();
    this.rescanTimer = setInterval(() => void this.rescan(), this.timing.rescanMs);
    this.changed();
    void this.rescan();
  }

  private async deactivate(): Promise<void> {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    this.closeTimer = this.rescanTimer = null;
    this.scanAbort?.abort();
    this.scanQueue.clear();
    await this.scanning;
    await this.tracker.stop();
    this.tracker.clear(); // rediscovered by the scan on the next activation
    const fsw = this.fsw;
    this.fsw = null;
    await fsw?.close();
    this.flushSeen();
    // A sweep that ended during the awaits above may have armed it again: no timer outlives this.
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = null;
  }

  private async enterMissing(message: string): Promise<void> {
    await this.deactivate();
    if (this.phase !== 'missing') this.log.warn('folder unavailable', { folder: this.folder, message });
    this.phase = 'missing';
    this.problem = message;
    this.changed();
  }

  /** Folder gone or unreadable → pause with a reason; back again → watch and rescan; remounted → rewatch. */
  private async checkHealth(): Promise<void> {
    if (this.checkingHealth || this.phase === 'stopped' || this.phase === 'paused' || this.phase === 'starting') return;
    this.checkingHealth = true;
    try {
      if (!this.journal) return await this.serially(() => this.load(this.opts.paused ?? false)); // it could not be opened at start
      if (this.ledger.unmatched.size > 0) this.recoverClosedBatches();
      const problem = await folderProblem(this.folder);
      await this.serially(async () => {
        if (this.phase === 'active') {
          if (problem) return this.enterMissing(problem.message);
          const dev = (await fs.promises.stat(this.folder).catch(() => null))?.dev;
          if (dev !== undefined && dev !== this.folderDev) {
            this.log.info('folder remounted; watching again', { folder: this.folder });
            await this.deactivate();
            await this.activate();
          }
        } else if ((this.phase === 'missing' || this.phase === 'error') && !problem) {
          this.log.info('folder available again', { folder: this.folder });
          await this.activate();
        }
      });
    } finally {
      this.checkingHealth = false;
    }
  }

  // ---- files ----

  private observe(p: string, size?: number, mtimeMs?: number): void {
    const joined = this.ledger.open.get(p);
    if (joined !== undefined) {
      // Its writer had only paused: sent as it is, it would be left out at upload as changed.
      if (size !== undefined && joined !== signature(size, mtimeMs!)) this.takeBack(p, size, mtimeMs!);
      return;
    }
    const taken = this.ledger.taken.get(p);
    if (taken !== undefined && size !== undefined && taken === signature(size, mtimeMs!)) return;
    if (this.tracker.observe(p, size, mtimeMs)) {
      this.seenBuffer.push({ k: 'seen', p, s: size ?? -1, m: mtimeMs ?? -1 });
      if (this.seenBuffer.length >= 5000) this.flushSeen();
      else this.seenTimer ??= setTimeout(() => this.flushSeen(), this.timing.seenFlushMs);
    }
    this.changed();
  }

  private onFileEvent(p: string): void {
    this.eventsSinceScan++;
    if (this.ledger.open.has(p)) void this.checkOpenFile(p);
    else this.observe(p);
  }

  /** A file in the open batch was touched: if it is gone or has changed, it leaves the batch before it closes. */
  private async checkOpenFile(p: string): Promise<void> {
    const st = await fs.promises.lstat(p).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : undefined));
    if (st === undefined || this.phase !== 'active' || !this.ledger.open.has(p)) return;
    if (st) return this.observe(p, st.size, st.mtimeMs);
    // A whole folder vanishing takes every file with it: that is "folder missing", not a batch to shrink.
    if (!fs.existsSync(this.folder)) return void this.checkHealth();
    this.commit([{ k: 'drop', p }]);
  }

  /** An open-batch file changed: out of the batch, and back to waiting until it holds still again. */
  private takeBack(p: string, size: number, mtimeMs: number): void {
    this.commit([{ k: 'drop', p }]);
    if (!this.ledger.open.has(p)) this.observe(p, size, mtimeMs);
  }

  /** Files that vanished while waiting to be complete are simply forgotten. */
  private onGone(): void {
    if (this.phase === 'active' && !fs.existsSync(this.folder)) void this.checkHealth();
    this.afterBurst();
    this.changed();
  }

  private onStable(files: StableFile[]): void {
    const records: LedgerRecord[] = [];
    const now = Date.now();
    let openCount = this.ledger.open.size;
    let seq = this.ledger.seq;
    for (const f of files) {
      if (this.ledger.open.has(f.path)) continue;
      const sig = signature(f.size, f.mtimeMs);
      const taken = this.ledger.taken.get(f.path);
      if (taken === sig) continue;
      if (taken !== undefined && !this.spec.reingestChanged) {
        this.log.warn('file changed after it was sent; not sending it again', { path: f.path });
        records.push({ k: 'changed', p: f.path, s: f.size, m: f.mtimeMs });
        continue;
      }
      records.push({ k: 'stable', p: f.path, s: f.size, m: f.mtimeMs, t: now });
      if (isFull(this.spec.rule, ++openCount)) {
        seq++;
        records.push({ k: 'close', b: watchBatchId(this.batchPrefix(), this.id, seq, new Date(now)), seq, t: now });
        openCount = 0;
      }
    }
    this.commit(records);
    this.afterBurst();
  }

  /**
   * inotify drops events when its queue overflows (16,384 by default) and says nothing through
   * Node; so once a burst has been taken in, the whole folder is listed again.
   */
  private afterBurst(): void {
    if (this.tracker.size === 0 && this.eventsSinceScan >= BURST_RESCAN_EVENTS && this.phase === 'active') {
      this.log.info('listing the folder again after a burst', { events: this.eventsSinceScan });
      void this.rescan();
    }
  }

  private closeOpenBatch(): void {
    this.closeTimer = null;
    if (this.phase !== 'active' || this.ledger.open.size === 0) return;
    const now = Date.now();
    const due = closeTime(this.spec.rule, this.openTiming());
    if (due !== null && due > now) return this.armCloseTimer();
    const seq = this.ledger.seq + 1;
    this.commit([{ k: 'close', b: watchBatchId(this.batchPrefix(), this.id, seq, new Date(now)), seq, t: now }]);
  }

  /** Journal first (one write, one fsync), then apply; closed batches become items. */
  private commit(records: LedgerRecord[]): void {
    if (records.length === 0) return;
    if (!this.journal) return; // stopped meanwhile: the files are found again by the next scan
    this.flushSeen();
    try {
      this.journal.appendMany(records);
    } catch (err) {
      this.fail(`Could not write the watch journal: ${(err as Error).message}`);
      return;
    }
    for (const r of records) this.ledger.apply(r);
    for (const r of records) if (r.k === 'close') this.createItem(r.b, false);
    this.compactJournalIfOutgrown();
    this.armCloseTimer();
    this.changed();
  }

  private flushSeen(): void {
    if (this.seenTimer) clearTimeout(this.seenTimer);
    this.seenTimer = null;
    if (this.seenBuffer.length === 0 || !this.journal) return;
    const batch = this.seenBuffer;
    this.seenBuffer = [];
    try {
      this.journal.appendMany(batch);
    } catch (err) {
      // Seen records are informational (a restart rescans); the batch records are what count.
      this.log.warn('could not journal seen files', { error: (err as Error).message });
      return;
    }
    for (const r of batch) this.ledger.apply(r); // only counted: the tracker holds these files
    this.compactJournalIfOutgrown();
  }

  /**
   * Rewrites the journal from the ledger once it has grown well past it. Called only where every
   * record written has been applied and none is half-way (after a commit and its items, after a
   * seen flush). The live ledger leaves out files still being written (the tracker has them): the
   * scan that starts every activation finds them again.
   */
  private compactJournalIfOutgrown(): void {
    if (!this.journal || !journalOutgrown(this.ledger)) return;
    const before = this.ledger.records;
    try {
      this.journal = compactLiveJournal(this.journal, this.ledger);
    } catch (err) {
      // The journal as it was stays in use (a failed reopen surfaces at the next append).
      this.log.warn('could not compact the watch journal; trying again at the next commit', { error: (err as Error).message });
      return;
    }
    this.log.info('watch journal compacted', { records: before, now: this.ledger.records });
  }

  // ---- batches → items ----

  /** After a crash: a closed batch without its item gets one, unless the engine already has it. */
  private recoverClosedBatches(): void {
    for (const b of [...this.ledger.unmatched.keys()]) this.createItem(b, true);
  }

  private createItem(batchId: string, checkEngine: boolean): void {
    const batch = this.ledger.unmatched.get(batchId);
    if (!batch || !this.journal) return;
    let item: ItemSummary | undefined;
    if (checkEngine) item = this.opts.engine.list().find((i) => i.batchId === batchId && (i.watchId === undefined || i.watchId === this.id));
    try {
      item ??= this.opts.engine.add({
        roots: batch.files,
        name: `${path.basename(this.folder)} #${batch.seq}`,
        batchId,
        pipeline: 'full',
        job: jobForBatch(this.spec.job),
        outDir: path.join(this.spec.outDir, batchId),
        watchId: this.id,
      });
    } catch (err) {
      // Stays unmatched; the folder check retries it.
      this.log.error('could not create the item for a batch', { batchId, error: (err as Error).message });
      this.problem = `Could not queue batch ${batchId}: ${(err as Error).message}. Retrying.`;
      this.changed();
      return;
    }
    const record: LedgerRecord = { k: 'item', b: batchId, item: item.id };
    this.journal.append(record);
    this.ledger.apply(record);
    this.log.info('batch queued', { batchId, item: item.id, files: batch.files.length });
    this.opts.onBatch?.({ watchId: this.id, batchId, itemId: item.id, files: batch.files.length });
    this.changed();
  }

  private fail(message: string): void {
    this.log.error('watch error', { message });
    this.problem = message;
    void this.serially(async () => {
      await this.deactivate();
      this.phase = 'error'; // the folder check tries again
      this.changed();
    });
  }

  // ---- timers and words ----

  private armCloseTimer(): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    if (this.phase !== 'active') return;
    const due = closeTime(this.spec.rule, this.openTiming());
    if (due === null) return;
    this.closeTimer = setTimeout(() => this.closeOpenBatch(), Math.max(0, due - Date.now()));
  }

  private openTiming() {
    return { files: this.ledger.open.size, firstAt: this.ledger.openFirstAt, lastAt: this.ledger.openLastAt };
  }

  private rescan(): Promise<void> {
    this.eventsSinceScan = 0;
    return this.queueScan(this.folder, true);
  }

  /** Lists a folder (or a tree) and looks at each file; one listing at a time, queued by folder. */
  private queueScan(dir: string, recursive: boolean): Promise<void> {
    this.scanQueue.set(dir, Boolean(this.scanQueue.get(dir)) || recursive);
    if (this.scanning) return this.scanning;
    const abort = new AbortController();
    this.scanAbort = abort;
    this.scanning = (async () => {
      while (this.scanQueue.size > 0 && this.phase === 'active' && !abort.signal.aborted) {
        const [next, deep] = this.scanQueue.entries().next().value!;
        this.scanQueue.delete(next);
        try {
          for await (const f of scanFolder(next, this.spec.filter, abort.signal, deep)) {
            if (this.phase !== 'active') break;
            this.observe(f.path, f.size, f.mtimeMs);
          }
        } catch (err) {
          if (next !== this.folder) continue; // a sub-folder gone meanwhile
          this.log.warn('scan failed', { error: (err as Error).message });
          void this.checkHealth();
        }
      }
    })().finally(() => {
      this.scanning = null;
      this.scanAbort = null;
    });
    return this.scanning;
  }

  private batchPrefix(): string {
    return this.spec.batchPrefix ?? path.basename(this.folder);
  }

  private state(): WatchState {
    switch (this.phase) {
      case 'paused':
      case 'stopped':
        return 'paused';
      case 'missing':
        return 'folder-missing';
      case 'error':
        return 'error';
      default:
        return this.fsw?.mode === 'polling' ? 'polling' : 'watching';
    }
  }

  private statusSentence(): string {
    let s: string;
    switch (this.phase) {
      case 'stopped':
        s = 'Stopped.';
        break;
      case 'paused':
        s = 'Paused. Files that arrive meanwhile are picked up on resume.';
        break;
      case 'missing':
      case 'error':
        s = this.problem;
        break;
      case 'starting':
        s = `Starting to watch ${this.folder}.`;
        break;
      default:
        s = this.fsw?.mode === 'polling' ? this.fsw.status : `Watching ${this.folder}; ${describeRule(this.spec.rule)}.`;
        if (this.problem) s += ` ${this.problem}`;
    }
    const changed = this.ledger?.changedAfterSend ?? 0;
    if (changed > 0 && !this.spec.reingestChanged) {
      s += ` ${changed === 1 ? '1 file' : `${changed} files`} changed after being sent and ${changed === 1 ? 'was' : 'were'} not sent again (to send new versions: "re-send changed files" in the console, --resend-changed on the command line).`;
    }
    return s;
  }

  private changed(): void {
    this.opts.onChange?.();
  }
}

/** Each batch gets its own job: a fixed job id in the watch would collide on the second batch. */
function jobForBatch(job: JobOptions): JobOptions {
  const { jobId: _ignored, ...rest } = job;
  return rest;
}

/** Why the folder cannot be watched now, in plain words; null when it can. */
export async function folderProblem(folder: string): Promise<{ code: string; message: string } | null> {
  try {
    const st = await fs.promises.stat(folder);
    if (!st.isDirectory()) return { code: 'ENOTDIR', message: `${folder} is not a folder. The watch resumes by itself when the folder is back.` };
    await fs.promises.access(folder, fs.constants.R_OK | fs.constants.X_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'EACCES' || code === 'EPERM') {
      return { code, message: `The folder ${folder} cannot be read (permission denied). The watch resumes by itself when it can be read again.` };
    }
    return {
      code,
      message: `The folder ${folder} is not available (${code}); an unplugged drive or an unmounted share? The watch resumes by itself when it is back.`,
    };
  }
}
