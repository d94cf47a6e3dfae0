// Rolling-average throughput (bytes/s over the last few seconds) and a short history for the
// sparkline. Bytes are counted in 250 ms buckets, so the meter costs the same at any speed.

const BUCKET_MS = 250;

export class ThroughputMeter {
  private readonly buckets: number[];
  private readonly times: number[];
  private readonly history: number[] = [];
  private lastSample = 0;

  constructor(
    private readonly windowMs = 5000,
    private readonly historyLength = 120,
    private readonly clock: () => number = Date.now,
  ) {
    const n = Math.ceil(windowMs / BUCKET_MS);
    this.buckets = new Array(n).fill(0);
    this.times = new Array(n).fill(0);
  }

  add(bytes: number): void {
    const slot = Math.floor(this.clock() / BUCKET_MS);
    const i = slot % this.buckets.length;
    if (this.times[i] !== slot) {
      this.times[i] = slot;
      this.buckets[i] = 0;
    }
    this.buckets[i] += bytes;
  }

  /** Bytes/s over the window (buckets older than the window are ignored). */
  rate(): number {
    const slot = Math.floor(this.clock() / BUCKET_MS);
    const oldest = slot - this.buckets.length + 1;
    let sum = 0;
    for (let i = 0; i < this.buckets.length; i++) if (this.times[i]! >= oldest) sum += this.buckets[i]!;
    return Math.round((sum * 1000) / this.windowMs);
  }

  /** Records one sample per second at most; returns the history, newest last. */
  sample(): number[] {
    const t = this.clock();
    if (t - this.lastSample >= 1000) {
      this.lastSample = t;
      this.history.push(this.rate());
      if (this.history.length > this.historyLength) this.history.shift();
    }
    return this.history;
  }

  samples(): number[] {
    return [...this.history];
  }
}

export function etaSeconds(remainingBytes: number, bytesPerSecond: number): number | null {
  if (remainingBytes <= 0) return 0;
  if (bytesPerSecond <= 0) return null;
  return Math.ceil(remainingBytes / bytesPerSecond);
}
