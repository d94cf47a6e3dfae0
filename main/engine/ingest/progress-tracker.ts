// Upload progress of one item: files and bytes done/total, bytes in flight, rolling throughput, ETA,
// rejections. Reports through ctx.progress (the Engine coalesces to ≤ 10 events/s) and keeps the
// throughput history on disk for the UI's sparkline.

import path from 'node:path';
import type { ItemProgress } from '../../../shared/domain';
import { writeJsonAtomic, readJson } from '../atomic-file';
import { ThroughputMeter, etaSeconds } from './throughput';

export const THROUGHPUT_FILE = 'throughput.json';

export function readThroughputHistory(itemDir: string): number[] {
  return readJson<{ samples: number[] }>(path.join(itemDir, THROUGHPUT_FILE))?.samples ?? [];
}

export class ProgressTracker {
  filesTotal = 0;
  bytesTotal = 0;
  filesDone = 0;
  bytesDone = 0;
  rejected = 0;
  private readonly inflight = new Map<string, { sent: number; wire: number; payload: number }>();
  private readonly meter = new ThroughputMeter();
  private lastReport = 0;
  private lastSave = 0;

  constructor(
    private readonly itemDir: string,
    private readonly emit: (p: Partial<ItemProgress>) => void,
  ) {}

  /** A transfer starts: `wire` bytes will go out carrying `payload` file bytes. */
  start(id: string, wire: number, payload: number): void {
    this.inflight.set(id, { sent: 0, wire, payload });
  }

  bytes(id: string, n: number): void {
    const f = this.inflight.get(id);
    if (f) f.sent += n;
    this.meter.add(n);
    this.report();
  }

  /** The transfer ended without success: its bytes no longer count. */
  abandon(id: string): void {
    this.inflight.delete(id);
    this.report();
  }

  done(id: string, files: number, payload: number): void {
    this.inflight.delete(id);
    this.filesDone += files;
    this.bytesDone += payload;
    this.report(true);
  }

  /** Files dropped from the plan at send time. */
  exclude(files: number, payload: number): void {
    this.filesTotal -= files;
    this.bytesTotal -= payload;
    this.rejected += files;
    this.report(true);
  }

  report(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastReport < 100) return;
    this.lastReport = now;
    let partial = 0;
    for (const f of this.inflight.values()) partial += f.wire > 0 ? Math.min(1, f.sent / f.wire) * f.payload : 0;
    const bytesDone = Math.min(this.bytesTotal, this.bytesDone + Math.round(partial));
    const rate = this.meter.rate();
    const history = this.meter.sample();
    this.emit({
      files: { done: this.filesDone, total: this.filesTotal },
      bytes: { done: bytesDone, total: this.bytesTotal },
      rejected: this.rejected,
      throughput: rate,
      etaSeconds: etaSeconds(this.bytesTotal - bytesDone, rate),
    });
    if (now - this.lastSave > 2000) {
      this.lastSave = now;
      try {
        writeJsonAtomic(path.join(this.itemDir, THROUGHPUT_FILE), { samples: history });
      } catch {
        // the sparkline is not worth failing an upload for
      }
    }
  }

  finish(): void {
    this.inflight.clear();
    this.report(true);
    // Nothing left to estimate: a 0 would read "0s" through indexing and processing.
    this.emit({ throughput: 0, etaSeconds: null });
    try {
      writeJsonAtomic(path.join(this.itemDir, THROUGHPUT_FILE), { samples: this.meter.samples() });
    } catch {
      // ignore
    }
  }
}
