// Rolling throughput over the last few seconds, in bytes per second.

export class RateMeter {
  private readonly buckets: { t: number; n: number }[] = [];

  constructor(
    private readonly windowMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(n: number): void {
    const t = this.now();
    const slot = Math.floor(t / 250) * 250;
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.t === slot) last.n += n;
    else this.buckets.push({ t: slot, n });
    this.trim(t);
  }

  rate(): number {
    const t = this.now();
    this.trim(t);
    if (this.buckets.length === 0) return 0;
    const span = Math.max(1000, t - this.buckets[0]!.t);
    let sum = 0;
    for (const b of this.buckets) sum += b.n;
    return (sum * 1000) / span;
  }

  private trim(t: number): void {
    while (this.buckets.length && this.buckets[0]!.t < t - this.windowMs) this.buckets.shift();
  }
}
