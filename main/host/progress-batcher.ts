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
// Only what someone looks at goes at all. A viewer (a console window or tab) says which items it
// shows (`focus`: the rows on screen and the open item); those go every window. Every other item's
// newest figures wait here, replaced as newer ones come, until a viewer shows it: then they go in the
// next window, with the item's throughput sparkline so far (`historyOf`, one sample a second), so the
// row comes into view complete. Nobody reads an off-screen row's figures, and at 10,000 items they
// were most of the renderer's work: sent five times a second, 3 s of main-thread time in a 10 s run
// (the browser reading the stream and the client parsing it, traced); sent once a second (each
// item's sparkline sample), Chromium still used 0.59-0.86 of a core in the renderer benchmark,
// against 0.44-0.82 (median 0.59) now.
// Until some viewer has said what it shows (a client that never does), every item goes once a
// second (every UNSEEN_EVERY_WINDOWS windows), a fifth of them in each window so the load stays even.
//
// So nothing is ever sent all at once, not even before another event. An item's state change
// carries its figures too (ItemSummary.progress), so the host `forget`s the item's figures still
// waiting here when it sends one: they are older, and arriving after it they would set the row back.

import { PROGRESS_FOCUS_MAX, type ItemProgressEvent } from '../../shared/contract';
import { packProgress, PROGRESS_ROW_WIDTH, SPARKLINE_SAMPLES, type ItemThroughputHistory, type ProgressBatch } from '../../shared/progress-batch';

export const BATCH_WINDOW_MS = 200;
export const MAX_BATCH_ITEMS = 1000;
/** Without any viewer's focus, an item is sent in one window out of this many. */
export const UNSEEN_EVERY_WINDOWS = 5;
/** Viewers whose focus counts: the most recent ones (a closed tab's focus is never withdrawn). */
export const MAX_VIEWERS = 4;

export class ProgressBatcher {
  private waiting = new Map<string, ItemProgressEvent>();
  /** Packed messages of past windows, not sent yet, oldest first. */
  private outbox: ProgressBatch[] = [];
  private windowTimer: ReturnType<typeof setTimeout> | null = null;
  private paceTimer: ReturnType<typeof setTimeout> | null = null;
  /** The time between two messages: the outbox spread over one window. */
  private gapMs = 0;
  /** Windows ended so far: which fifth of the unseen items is due. */
  private windowCount = 0;
  /** Each viewer's focus, least recently set first. */
  private readonly viewers = new Map<string, ReadonlySet<string>>();
  /** Every viewer's focus together. */
  private seen = new Set<string>();
  /** Items that just came into a viewer's focus: their sparklines go in the next window. */
  private historyDue = new Set<string>();

  private readonly windowMs: number;
  private readonly maxItems: number;
  /** An item's throughput samples so far, one a second, oldest first. */
  private readonly historyOf: (id: string) => readonly number[];

  constructor(
    private readonly send: (batch: ProgressBatch) => void,
    options: { windowMs?: number; maxItems?: number; historyOf?: (id: string) => readonly number[] } = {},
  ) {
    this.windowMs = options.windowMs ?? BATCH_WINDOW_MS;
    this.maxItems = options.maxItems ?? MAX_BATCH_ITEMS;
    this.historyOf = options.historyOf ?? (() => []);
  }

  add(event: ItemProgressEvent): void {
    this.waiting.set(event.id, event);
    this.startWindow();
  }

  /** What a viewer shows now: those items go every window, the others wait. Replaces its previous focus. */
  focus(viewer: string, ids: readonly string[]): void {
    const before = this.viewers.get(viewer);
    const shown = new Set(ids.slice(0, PROGRESS_FOCUS_MAX));
    for (const id of shown) if (!before?.has(id)) this.historyDue.add(id);
    this.viewers.delete(viewer);
    this.viewers.set(viewer, shown);
    for (const oldest of this.viewers.keys()) {
      if (this.viewers.size <= MAX_VIEWERS) break;
      this.viewers.delete(oldest);
    }
    this.seen = new Set([...this.viewers.values()].flatMap((ids) => [...ids]));
    this.startWindow(); // what waited for this focus goes now
  }

  /** Drops whatever waits for an item (it is gone, or a newer summary of it is being sent). */
  forget(id: string): void {
    this.waiting.delete(id);
    this.outbox = this.outbox.map((batch) => (batch.ids.includes(id) || batch.whole.some((e) => e.id === id) ? without(batch, id) : batch));
  }

  close(): void {
    this.clearTimers();
    this.waiting.clear();
    this.historyDue.clear();
    this.outbox = [];
  }

  private startWindow(): void {
    if (this.windowTimer === null) this.windowTimer = unref(setTimeout(() => this.endWindow(), this.windowMs));
  }

  private endWindow(): void {
    this.windowTimer = null;
    this.pack(this.windowCount++ % UNSEEN_EVERY_WINDOWS);
    this.gapMs = this.windowMs / Math.max(1, this.outbox.length);
    if (this.paceTimer === null) this.sendNext();
    // Without a focus, items not due yet go in a later window; with one, what waits waits for `focus`.
    if (this.viewers.size === 0 && this.waiting.size > 0) this.startWindow();
  }

  /** Sends the oldest message, and the next one a gap later. */
  private sendNext(): void {
    this.paceTimer = null;
    const batch = this.outbox.shift();
    if (batch) this.send(batch);
    if (this.outbox.length > 0) this.paceTimer = unref(setTimeout(() => this.sendNext(), this.gapMs));
  }

  /**
   * Moves what is due into the outbox: the items some viewer shows, with the sparklines of those
   * that just came into view; or, while no viewer has said what it shows, the items of group `due`.
   */
  private pack(due: number): void {
    const events: ItemProgressEvent[] = [];
    if (this.viewers.size > 0) {
      for (const id of this.seen) {
        const event = this.waiting.get(id);
        if (event === undefined) continue;
        events.push(event);
        this.waiting.delete(id);
      }
    } else {
      for (const [id, event] of this.waiting) {
        if (unseenGroup(id) !== due) continue;
        events.push(event);
        this.waiting.delete(id);
      }
    }
    const messages: ProgressBatch[] = [];
    for (let i = 0; i < events.length; i += this.maxItems) messages.push(packProgress(events.slice(i, i + this.maxItems)));
    const histories = this.takeHistories();
    if (histories.length > 0) {
      if (messages.length === 0) messages.push({ ids: [], rows: [], whole: [] });
      messages[0]!.histories = histories;
    }
    this.outbox.push(...messages);
  }

  private takeHistories(): ItemThroughputHistory[] {
    const histories: ItemThroughputHistory[] = [];
    for (const id of this.historyDue) {
      const samples = this.historyOf(id);
      if (samples.length > 0) histories.push({ id, samples: samples.slice(-SPARKLINE_SAMPLES) });
    }
    this.historyDue.clear();
    return histories;
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

/** Which window out of UNSEEN_EVERY_WINDOWS sends an unseen item: the same one for as long as it lives (FNV-1a). */
function unseenGroup(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % UNSEEN_EVERY_WINDOWS;
}

/** The batch without the item's figures (its sparkline stays: it cannot set the row back). */
function without(batch: ProgressBatch, id: string): ProgressBatch {
  const kept: ProgressBatch = { ids: [], rows: [], whole: batch.whole.filter((e) => e.id !== id) };
  if (batch.histories) kept.histories = batch.histories;
  batch.ids.forEach((other, i) => {
    if (other === id) return;
    kept.ids.push(other);
    kept.rows.push(...batch.rows.slice(i * PROGRESS_ROW_WIDTH, (i + 1) * PROGRESS_ROW_WIDTH));
  });
  return kept;
}
