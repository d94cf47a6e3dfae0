// Decides when a file is complete: its size and mtime held still for `stableMs`. A file still
// being written keeps moving its check forward; the count of such files is what the operator sees
// as "waiting for write to finish". Memory per waiting file is one small entry.

import fs from 'node:fs';

export interface StableFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface StabilityOptions {
  stableMs: number;
  /** stat calls in flight at once (default 32). */
  statConcurrency?: number;
  /** Files checked per sweep (default 2000), so a burst is committed in groups. */
  sweepLimit?: number;
  now?: () => number;
}

interface Entry {
  size: number;
  mtimeMs: number;
  /** When to stat it again. Entries are re-inserted on every change, so map order is check order. */
  checkAt: number;
}

export class StabilityTracker {
  private readonly entries = new Map<string, Entry>();
  /** Named by an event without stats: stat them at the next sweep to take a baseline. */
  private readonly fresh = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  private sweeping: Promise<void> | null = null;
  private running = false;
  private readonly now: () => number;

  constructor(
    private readonly opts: StabilityOptions,
    private readonly onStable: (files: StableFile[]) => void,
    private readonly onGone: (paths: string[]) => void,
  ) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size + this.fresh.size;
  }

  has(path: string): boolean {
    return this.entries.has(path) || this.fresh.has(path);
  }

  /**
   * Records a sighting, with the size and mtime when known (a scan) or without (an event: the file
   * is being touched, so its check moves forward). Returns true when the file is new to the tracker.
   */
  observe(path: string, size?: number, mtimeMs?: number): boolean {
    if (this.fresh.has(path)) return false;
    const e = this.entries.get(path);
    if (!e && size === undefined) {
      this.fresh.add(path);
      this.schedule(true);
      return true;
    }
    if (e && size !== undefined && e.size === size && e.mtimeMs === mtimeMs) return false;
    this.entries.delete(path);
    this.entries.set(path, { size: size ?? e!.size, mtimeMs: mtimeMs ?? e!.mtimeMs, checkAt: this.now() + this.opts.stableMs });
    this.schedule();
    return !e;
  }

  forget(path: string): boolean {
    return this.entries.delete(path) || this.fresh.delete(path);
  }

  start(): void {
    this.running = true;
    this.schedule();
  }

  /** Stops checking (entries are kept); resolves once a sweep in flight has finished. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.sweeping;
  }

  clear(): void {
    this.entries.clear();
    this.fresh.clear();
  }

  private schedule(now = false): void {
    if (!this.running || this.sweeping) return;
    if (this.timer && (!now || this.timerAt <= this.now())) return;
    let wait = 0;
    if (this.fresh.size === 0) {
      const first = this.entries.values().next();
      if (first.done) return;
      wait = Math.max(0, first.value.checkAt - this.now());
    }
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = this.now() + wait;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sweeping = this.sweep().finally(() => {
        this.sweeping = null;
        this.schedule();
      });
    }, wait);
  }

  private async sweep(): Promise<void> {
    const limit = this.opts.sweepLimit ?? 2000;
    if (this.fresh.size > 0) await this.baseline(limit);
    const started = this.now();
    const due: [string, Entry][] = [];
    for (const [p, e] of this.entries) {
      if (e.checkAt > started || due.length >= limit) break;
      due.push([p, e]);
    }
    const stable: StableFile[] = [];
    const gone: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < due.length && this.running) {
        const [p, e] = due[next++]!;
        let st: fs.Stats | null = null;
        let missing = false;
        try {
          st = await fs.promises.lstat(p); // a symlink is not taken (as in the scan and the walker)
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          missing = code === 'ENOENT' || code === 'ENOTDIR';
        }
        if (this.entries.get(p) !== e) continue; // changed or forgotten while we looked
        this.entries.delete(p);
        if (missing || (st && !st.isFile())) gone.push(p);
        else if (st && st.size === e.size && st.mtimeMs === e.mtimeMs) stable.push({ path: p, size: st.size, mtimeMs: st.mtimeMs });
        // Moved (or unreadable for now, e.g. locked by its writer): look again after another quiet spell.
        else this.entries.set(p, { size: st?.size ?? -1, mtimeMs: st?.mtimeMs ?? -1, checkAt: this.now() + this.opts.stableMs });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.statConcurrency ?? 32, due.length) }, worker));
    if (gone.length) this.onGone(gone);
    if (stable.length) this.onStable(stable);
  }

  /** First look at files named by events: their size and mtime now, checked again after `stableMs`. */
  private async baseline(limit: number): Promise<void> {
    const batch: string[] = [];
    for (const p of this.fresh) {
      if (batch.length >= limit) break;
      batch.push(p);
    }
    const gone: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < batch.length && this.running) {
        const p = batch[next++]!;
        const st = await fs.promises.lstat(p).catch((err: NodeJS.ErrnoException) => err);
        if (!this.fresh.delete(p)) continue; // forgotten meanwhile
        if (st instanceof Error ? st.code === 'ENOENT' || st.code === 'ENOTDIR' : !st.isFile()) gone.push(p);
        else if (!this.entries.has(p)) {
          const size = st instanceof Error ? -1 : st.size; // unreadable for now (locked by its writer?)
          const mtimeMs = st instanceof Error ? -1 : st.mtimeMs;
          this.entries.set(p, { size, mtimeMs, checkAt: this.now() + this.opts.stableMs });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.statConcurrency ?? 32, batch.length) }, worker));
    if (gone.length) this.onGone(gone);
  }
}
