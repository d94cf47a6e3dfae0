// A small ring of throughput samples per item for the detail view's sparkline. Progress events
// arrive up to 10/s; one sample per second is kept, the last two minutes.

export class ThroughputHistory {
  private readonly samples = new Map<string, { values: number[]; lastAt: number }>();

  constructor(
    private readonly capacity = 120,
    private readonly intervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  record(itemId: string, bytesPerSecond: number): void {
    const t = this.now();
    let entry = this.samples.get(itemId);
    if (!entry) {
      entry = { values: [], lastAt: -Infinity };
      this.samples.set(itemId, entry);
    }
    if (t - entry.lastAt < this.intervalMs) return;
    entry.lastAt = t;
    entry.values.push(Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? bytesPerSecond : 0);
    if (entry.values.length > this.capacity) entry.values.splice(0, entry.values.length - this.capacity);
  }

  /** Oldest first, newest last. */
  get(itemId: string): number[] {
    return [...(this.samples.get(itemId)?.values ?? [])];
  }

  forget(itemId: string): void {
    this.samples.delete(itemId);
  }
}
