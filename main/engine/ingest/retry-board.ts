// Which transfers are waiting to be retried, and why: published with the item's progress so an
// item slowed by a failing service says so (and that it will try again) instead of looking stuck.

import type { RetryingState } from '../../../shared/domain';
import { formatDuration } from '../../../shared/format';

interface Waiting {
  reason: string;
  until: number;
  at: number;
  checkingArrival: boolean;
}

export class RetryBoard {
  private readonly waitingPieces = new Map<string, Waiting>();

  constructor(private readonly publish: (state: RetryingState | undefined) => void) {}

  /** A piece failed and will be tried again after `delayMs` (said in the reason: a wait the service asked for can be long). */
  waiting(pieceId: string, reason: string, delayMs: number): void {
    const now = Date.now();
    this.waitingPieces.set(pieceId, { reason: `next try in ${formatDuration(Math.ceil(delayMs / 1000))}: ${reason}`, until: now + delayMs, at: now, checkingArrival: false });
    this.publishNow();
  }

  /**
   * A piece whose upload may have landed is looked for in the batch before anything is sent again:
   * no try is due, and the answer can take as long as the service's listing lags (`lagMs`, from
   * `since`: when the upload ended, if known).
   */
  checking(pieceId: string, what: string, lagMs: number, since?: number): void {
    const now = Date.now();
    const until = Math.min(now, since ?? now) + lagMs;
    this.waitingPieces.set(pieceId, { reason: `checking whether ${what} arrived (the service's listing can lag up to ${lagText(lagMs)})`, until, at: now, checkingArrival: true });
    this.publishNow();
  }

  /** The piece landed, or failed for good: it is no longer waiting. */
  settled(pieceId: string): void {
    if (this.waitingPieces.delete(pieceId)) this.publishNow();
  }

  private publishNow(): void {
    if (this.waitingPieces.size === 0) return this.publish(undefined);
    let latest: Waiting | undefined;
    let next = Infinity;
    for (const w of this.waitingPieces.values()) {
      if (!latest || w.at > latest.at) latest = w;
      next = Math.min(next, w.until);
    }
    const state: RetryingState = { count: this.waitingPieces.size, reason: latest!.reason, nextAttemptAt: new Date(next).toISOString() };
    if (latest!.checkingArrival) state.checkingArrival = true;
    this.publish(state);
  }
}

function lagText(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 && s % 60 === 0 ? `${s / 60} min` : formatDuration(s);
}
