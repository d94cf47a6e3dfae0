// Watch folders for the desktop app, web mode and the CLI: each watch is saved under
// <dataDir>/watches/<id>/ (watch.json for the spec, journal.jsonl for its files and batches),
// started again on the next launch, and reported as WatchSummary events.

import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { WatchSpec, WatchSummary } from '../../../shared/domain';
import { randomSuffix } from '../../../shared/ids';
import { readJson, writeJsonAtomic } from '../atomic-file';
import { KeyedSerial } from '../keyed-serial';
import { isInside } from '../path-inside';
import { withOfferedWorkers } from '../../../shared/limits';
import { silentLogger, type Logger } from '../log';
import { ApiError } from '../roboflow/http';
import { ruleProblem } from './batching-rule';
import { FolderWatch, type BatchCreated, type WatchEngine, type WatchTiming } from './folder-watch';

export interface WatchManagerOptions {
  dataDir: string;
  engine: WatchEngine;
  log?: Logger;
  timing?: Partial<WatchTiming>;
  /** Poll every folder instead of using notifications. */
  forcePolling?: boolean;
  /** Minimum ms between `changed` events for one watch (default 200). */
  changeIntervalMs?: number;
}

export interface WatchManagerEvents {
  changed: [WatchSummary];
  removed: [{ id: string }];
  /** A batch closed and its item was queued. */
  batch: [BatchCreated];
}

interface SavedWatch {
  id: string;
  spec: WatchSpec;
  paused: boolean;
  createdAt: string;
}

interface Entry {
  saved: SavedWatch;
  runner: FolderWatch;
  /** The runner's start (or restart), awaited by operations that follow it. */
  ready: Promise<void>;
  emitTimer: NodeJS.Timeout | null;
  lastEmit: number;
}

export class WatchManager extends EventEmitter<WatchManagerEvents> {
  private readonly entries = new Map<string, Entry>();
  /** Per watch id, the tail of its operations: update, pause, resume and remove run one at a time. */
  private readonly queues = new KeyedSerial();
  private readonly root: string;
  private readonly log: Logger;
  private closed = false;

  constructor(private readonly opts: WatchManagerOptions) {
    super();
    this.root = path.join(opts.dataDir, 'watches');
    this.log = opts.log ?? silentLogger;
  }

  /** Loads saved watches and starts them (`only` limits which, e.g. the CLI's one watch). */
  async start(options: { only?: string[] } = {}): Promise<void> {
    fs.mkdirSync(this.root, { recursive: true });
    for (const id of fs.readdirSync(this.root).sort()) {
      if (this.entries.has(id) || (options.only && !options.only.includes(id))) continue;
      const dir = path.join(this.root, id);
      const saved = readJson<SavedWatch>(path.join(dir, 'watch.json'));
      if (!saved) {
        // A crash inside the first save leaves only its temp file: nothing to keep.
        if (!fs.existsSync(path.join(dir, 'journal.jsonl'))) fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      // Saved by an older version, whose job may ask for a worker count the service does not offer.
      if (saved.spec.job) saved.spec = { ...saved.spec, job: withOfferedWorkers(saved.spec.job) };
      this.launch(saved);
    }
    await Promise.all([...this.entries.values()].map((e) => e.ready));
  }

  list(): WatchSummary[] {
    return [...this.entries.values()].map((e) => e.runner.summary());
  }

  get(id: string): WatchSummary {
    return this.require(id).runner.summary();
  }

  /** Saved watches on disk (started or not), for finding one by folder. */
  saved(): { id: string; spec: WatchSpec; paused: boolean }[] {
    if (!fs.existsSync(this.root)) return [];
    return fs
      .readdirSync(this.root)
      .sort()
      .map((id) => readJson<SavedWatch>(path.join(this.root, id, 'watch.json')))
      .filter((s): s is SavedWatch => Boolean(s));
  }

  add(spec: WatchSpec): WatchSummary {
    const clean = validateSpec(spec);
    this.refuseWatchedFolder(clean.folder);
    const id = `w-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomSuffix(6)}`;
    const saved: SavedWatch = { id, spec: clean, paused: false, createdAt: new Date().toISOString() };
    this.save(saved);
    return this.launch(saved).runner.summary();
  }

  /** Replaces the spec; the watch restarts with it (its journal, and so its files' history, is kept). */
  update(id: string, spec: WatchSpec): Promise<WatchSummary> {
    return this.serially(id, async () => {
      const e = this.require(id);
      const clean = validateSpec(spec);
      this.refuseWatchedFolder(clean.folder, id);
      const saved = { ...e.saved, spec: clean };
      this.save(saved);
      await this.retire(e);
      const next = this.launch(saved);
      await next.ready;
      return next.runner.summary();
    });
  }

  pause(id: string): Promise<WatchSummary> {
    return this.setPaused(id, true);
  }

  resume(id: string): Promise<WatchSummary> {
    return this.setPaused(id, false);
  }

  /** Stops and forgets the watch; the items it created stay in the queue. */
  remove(id: string): Promise<void> {
    return this.serially(id, async () => {
      await this.retire(this.require(id));
      fs.rmSync(path.join(this.root, id), { recursive: true, force: true });
      this.emit('removed', { id });
    });
  }

  /** Resolves when every watch's start and current scan are done (tests and the CLI use it). */
  async idle(): Promise<void> {
    await Promise.all([...this.entries.values()].map(async (e) => {
      await e.ready.catch(() => undefined);
      await e.runner.idle();
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queues.settled(); // an update under way launches its runner first
    const all = [...this.entries.values()];
    await Promise.all(
      all.map(async (e) => {
        if (e.emitTimer) clearTimeout(e.emitTimer);
        await e.ready.catch(() => undefined);
        await e.runner.stop();
      }),
    );
  }

  // ---- internals ----

  /** Runs one operation on a watch after the ones before it (two updates at once would each launch a runner). */
  private serially<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.queues.run(id, fn);
  }

  /** Saves the paused flag first (a restart keeps it), then pauses or resumes the runner. */
  private setPaused(id: string, paused: boolean): Promise<WatchSummary> {
    return this.serially(id, async () => {
      const e = this.require(id);
      e.saved.paused = paused;
      this.save(e.saved);
      await e.ready;
      await (paused ? e.runner.pause() : e.runner.resume());
      return this.emitNow(e);
    });
  }

  /** Unregisters a watch and stops its runner: an entry that is replaced or removed never keeps running. */
  private async retire(e: Entry): Promise<void> {
    if (this.entries.get(e.saved.id) === e) this.entries.delete(e.saved.id);
    if (e.emitTimer) clearTimeout(e.emitTimer);
    await e.ready.catch(() => undefined);
    await e.runner.stop();
  }

  /**
   * Two watches on one folder would send every file twice (a symlinked path is the same folder), and
   * so would two on nested folders: a watch covers its subfolders.
   */
  private refuseWatchedFolder(folder: string, except?: string): void {
    const real = realFolder(folder);
    for (const e of this.entries.values()) {
      if (e.saved.id === except) continue;
      const watched = realFolder(e.saved.spec.folder);
      if (watched === real) {
        throw new ApiError(`${folder} is already watched by watch ${e.saved.id}; edit that watch instead of adding another.`, 'conflict', 'watch');
      }
      if (isInside(real, watched) || isInside(watched, real)) {
        const [inner, outer] = isInside(real, watched) ? [folder, e.saved.spec.folder] : [e.saved.spec.folder, folder];
        throw new ApiError(
          `${inner} is inside ${outer}, and watch ${e.saved.id} watches one of them: its files would be sent twice. Edit that watch instead.`,
          'conflict',
          'watch',
        );
      }
    }
  }

  private launch(saved: SavedWatch): Entry {
    const entry: Entry = { saved, runner: undefined as unknown as FolderWatch, ready: Promise.resolve(), emitTimer: null, lastEmit: 0 };
    entry.runner = new FolderWatch({
      id: saved.id,
      spec: saved.spec,
      dir: path.join(this.root, saved.id),
      engine: this.opts.engine,
      timing: this.opts.timing,
      forcePolling: this.opts.forcePolling,
      paused: saved.paused,
      log: this.log,
      onChange: () => this.scheduleEmit(entry),
      onBatch: (b) => this.emit('batch', b),
    });
    this.entries.set(saved.id, entry);
    entry.ready = entry.runner.start().catch((err) => {
      this.log.error('watch failed to start', { id: saved.id, error: (err as Error).message });
    });
    return entry;
  }

  private save(saved: SavedWatch): void {
    writeJsonAtomic(path.join(this.root, saved.id, 'watch.json'), saved);
  }

  private require(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new ApiError(`No watch with id ${id}.`, 'not-found', 'watch');
    return e;
  }

  /** Coalesces a burst of changes into at most one event per interval per watch. */
  private scheduleEmit(e: Entry): void {
    if (this.closed || e.emitTimer || this.entries.get(e.saved.id) !== e) return;
    const interval = this.opts.changeIntervalMs ?? 200;
    const wait = Math.max(0, e.lastEmit + interval - Date.now());
    e.emitTimer = setTimeout(() => {
      e.emitTimer = null;
      if (!this.closed && this.entries.get(e.saved.id) === e) this.emitNow(e);
    }, wait);
  }

  private emitNow(e: Entry): WatchSummary {
    e.lastEmit = Date.now();
    const s = e.runner.summary();
    this.emit('changed', s);
    return s;
  }
}

/** The folder with symlinks resolved, or as given when it cannot be resolved now (missing). */
function realFolder(folder: string): string {
  try {
    return fs.realpathSync.native(folder);
  } catch {
    return path.resolve(folder);
  }
}

/** Checks a spec and returns it with the folder and output folder made absolute. */
export function validateSpec(spec: WatchSpec): WatchSpec {
  const bad = (message: string) => new ApiError(message, 'invalid-argument', 'watch');
  if (!spec?.folder) throw bad('Choose a folder to watch.');
  if (!spec.outDir) throw bad('Choose an output folder for the results.');
  if (!spec.job?.workflowId) throw bad('Choose the Workflow to run on each batch.');
  if (!['images', 'videos', 'all'].includes(spec.filter)) throw bad('The filter must be images, videos or all.');
  const problem = spec.rule ? ruleProblem(spec.rule) : 'Set the batching rule.';
  if (problem) throw bad(problem);
  const folder = path.resolve(spec.folder);
  const outDir = path.resolve(spec.outDir);
  if (outDir === folder || outDir.startsWith(folder + path.sep)) {
    throw bad('The output folder must not be inside the watched folder, or results would be picked up as new files.');
  }
  return { ...spec, folder, outDir, reingestChanged: Boolean(spec.reingestChanged) };
}
