// Which transfers are waiting to be retried, and why: published with the item's progress so an
// item slowed by a failing service says so (and that it will try again) instead of looking stuck.

import type { RetryingState } from '../../../shared/domain';
import { formatDuration } from '../../../shared/format';

export class RetryBoard {
  private readonly waitingPieces = new Map<string, { reason: string; until: number; at: number }>();

  constructor(private readonly publish: (state: RetryingState | undefined) => void) {}

  /** A piece failed and will be tried again after `delayMs` (said in the reason: a wait the service asked for can be long). */
  waiting(pieceId: string, reason: string, delayMs: number): void {
    const now = Date.now();
    this.waitingPieces.set(pieceId, { reason: `next try in ${formatDuration(Math.ceil(delayMs / 1000))}: ${reason}`, until: now + delayMs, at: now });
    this.publishNow();
  }

  /** The piece landed, or failed for good: it is no longer waiting. */
  settled(pieceId: string): void {
    if (this.waitingPieces.delete(pieceId)) this.publishNow();
  }

  private publishNow(): void {
    if (this.waitingPieces.size === 0) return this.publish(undefined);
    let latest = { reason: '', at: -1 };
    let next = Infinity;
    for (const w of this.waitingPieces.values()) {
      if (w.at > latest.at) latest = w;
      next = Math.min(next, w.until);
    }
    this.publish({ count: this.waitingPieces.size, reason: latest.reason, nextAttemptAt: new Date(next).toISOString() });
  }
}
