// A token bucket shared by every transfer of the process, so a cap in bytes/s holds however many
// shards and videos are moving at once. Rate 0 means unlimited (no waiting at all).

import { sleep } from '../retry';

export class BandwidthLimiter {
  private tokens: number;
  private last = Date.now();
  /** Waiters are served in order so one big transfer cannot starve the others. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private rate = 0) {
    this.tokens = this.capacity();
  }

  get bytesPerSecond(): number {
    return this.rate;
  }

  setRate(bytesPerSecond: number): void {
    if (bytesPerSecond === this.rate) return;
    this.refill();
    this.rate = Math.max(0, bytesPerSecond);
    this.tokens = Math.min(this.tokens, this.capacity());
  }

  /** Burst allowance: a quarter second of traffic, at least one 64 KiB chunk. */
  private capacity(): number {
    return Math.max(64 * 1024, this.rate / 4);
  }

  private refill(): void {
    const t = Date.now();
    if (this.rate > 0) this.tokens = Math.min(this.capacity(), this.tokens + ((t - this.last) * this.rate) / 1000);
    this.last = t;
  }

  /** Resolves once `bytes` may be sent. */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (this.rate <= 0) return Promise.resolve();
    const turn = this.queue.then(async () => {
      for (;;) {
        if (this.rate <= 0) return;
        this.refill();
        if (this.tokens >= Math.min(bytes, this.capacity())) {
          this.tokens -= bytes; // may go negative for chunks larger than the burst; later waits pay it back
          return;
        }
        const need = Math.min(bytes, this.capacity()) - this.tokens;
        await sleep(Math.max(5, Math.ceil((need * 1000) / this.rate)), signal);
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }
}

/** The one limiter of this process. */
export const processBandwidth = new BandwidthLimiter(0);
