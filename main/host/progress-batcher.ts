// Progress for the UI, gathered into packed batches (shared/progress-batch.ts): the engine reports
// each item up to 10 times a second, and at 10,000 items one message per event flooded both the host
// (a scrub and a serialization each) and the renderer (a task and a parse each).
//
// Events wait for BATCH_WINDOW_MS, the renderer's own pace (it applies progress five times a
// second: figures sent more often would never be seen), and an item's newer event replaces its older
// one. Then they leave in messages of at most MAX_BATCH_ITEMS items, spread evenly over the next
// window: sent together, a window's messages reached the page in one network read, which Chromium's
// EventSource parses in one task (22-48 ms every 200 ms at 10,000 items, traced).
//
// So nothing is ever sent all at once, not even before another event. An item's state change
// carries its figures too (ItemSummary.progress), so the host `forget`s the item's figures still
// waiting here when it sends one: they are older, and arriving after it they would set the row back.

import type { ItemProgressEvent } from '../../shared/contract';
import { packProgress, PROGRESS_ROW_WIDTH, type ProgressBatch } from '../../shared/progress-batch';

export const BATCH_WINDOW_MS = 200;
export const MAX_BATCH_ITEMS = 1000;

export class ProgressBatcher {
  private waiting = new Map<string, ItemProgressEvent>();
  /** Packed messages of past windows, not sent yet, oldest first. */
  private outbox: ProgressBatch[] = [];
  private windowTimer: ReturnType<typeof setTimeout> | null = null;
  private paceTimer: ReturnType<typeof setTimeout> | null = null;
  /** The time between two messages: the outbox spread over one window. */
  private gapMs = 0;

  constructor(
    private readonly send: (batch: ProgressBatch) => void,
    private readonly windowMs = BATCH_WINDOW_MS,
    private readonly maxItems = MAX_BATCH_ITEMS,
  ) {}

  add(event: ItemProgressEvent): void {
    this.waiting.set(event.id, event);
    if (this.windowTimer === null) this.windowTimer = unref(setTimeout(() => this.endWindow(), this.windowMs));
  }

  /** Drops whatever waits for an item (it is gone, or a newer summary of it is being sent). */
  forget(id: string): void {
    this.waiting.delete(id);
    this.outbox = this.outbox.map((batch) => (batch.ids.includes(id) || batch.whole.some((e) => e.id === id) ? without(batch, id) : batch));
  }

  close(): void {
    this.clearTimers();
    this.waiting.clear();
    this.outbox = [];
  }

  private endWindow(): void {
    this.windowTimer = null;
    this.pack();
    this.gapMs = this.windowMs / Math.max(1, this.outbox.length);
    if (this.paceTimer === null) this.sendNext();
  }

  /** Sends the oldest message, and the next one a gap later. */
  private sendNext(): void {
    this.paceTimer = null;
    const batch = this.outbox.shift();
    if (batch) this.send(batch);
    if (this.outbox.length > 0) this.paceTimer = unref(setTimeout(() => this.sendNext(), this.gapMs));
  }

  private pack(): void {
    if (this.waiting.size === 0) return;
    const events = [...this.waiting.values()];
    this.waiting = new Map();
    for (let i = 0; i < events.length; i += this.maxItems) this.outbox.push(packProgress(events.slice(i, i + this.maxItems)));
  }

  private clearTimers(): void {
    if (this.windowTimer !== null) clearTimeout(this.windowTimer);
    if (this.paceTimer !== null) clearTimeout(this.paceTimer);
    this.windowTimer = null;
    this.paceTimer = null;
  }
}

/** A timer that does not keep the process alive (Node; in a browser it has no unref). */
function unref(timer: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/** The batch without the item's figures. */
function without(batch: ProgressBatch, id: string): ProgressBatch {
  const kept: ProgressBatch = { ids: [], rows: [], whole: batch.whole.filter((e) => e.id !== id) };
  batch.ids.forEach((other, i) => {
    if (other === id) return;
    kept.ids.push(other);
    kept.rows.push(...batch.rows.slice(i * PROGRESS_ROW_WIDTH, (i + 1) * PROGRESS_ROW_WIDTH));
  });
  return kept;
}
