// Tells main which items this window shows: the rows on screen and the open item. Main sends their
// progress five times a second, and every other item's only once it comes into view, with its
// sparkline so far (main/host/progress-batcher.ts): at 10,000 running items, the figures of rows
// nobody could see were most of what this page read.
//
// Scrolling changes the rows every frame; the focus is sent at most once per FOCUS_DELAY_MS, and only
// when it changed. One main did not take is sent again FOCUS_RETRY_MS later: until it arrives, the
// rows on screen keep old figures.

import { PROGRESS_FOCUS_MAX } from '../../../shared/contract';

export const FOCUS_DELAY_MS = 100;
export const FOCUS_RETRY_MS = 1000;

export class ProgressFocus {
  private rows: readonly string[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The timer is a retry's. */
  private retrying = false;
  /** What main was last told, as one string; null when it must be told again. */
  private sent: string | null = null;

  constructor(
    /** Tells main; resolves to whether main took it. */
    private readonly send: (ids: string[]) => Promise<boolean>,
    private readonly selected: () => string | null,
    private readonly delayMs = FOCUS_DELAY_MS,
    private readonly retryMs = FOCUS_RETRY_MS,
  ) {}

  /** The rows a list has on screen now (or none, when it leaves the screen). */
  showRows(ids: readonly string[]): void {
    this.rows = ids;
    this.changed();
  }

  /** The open item may have changed. */
  changed(): void {
    if (this.timer !== null && !this.retrying) return;
    if (this.timer !== null) clearTimeout(this.timer); // a new focus need not wait for the retry
    this.retrying = false;
    this.timer = setTimeout(() => this.flush(), this.delayMs);
  }

  /**
   * Tells main now, changed or not: when the event stream connects or comes back, main may not know
   * this window, and until some window says what it shows, main sends every item once a second (a
   * fifth of 10,000 in its first window, in the middle of this page's first frames).
   */
  resend(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.sent = null;
    this.flush();
  }

  private flush(): void {
    this.timer = null;
    this.retrying = false;
    const selected = this.selected();
    const ids = [...new Set(selected === null ? this.rows : [selected, ...this.rows])].slice(0, PROGRESS_FOCUS_MAX);
    const key = ids.join('\n');
    if (key === this.sent) return;
    this.sent = key;
    const retry = () => {
      if (this.sent !== key) return; // a newer focus went (or goes) instead
      this.sent = null;
      if (this.timer !== null) return;
      this.retrying = true;
      this.timer = setTimeout(() => this.flush(), this.retryMs);
    };
    this.send(ids).then((taken) => taken || retry(), retry);
  }
}

/** A random id for this window, so two windows do not take each other's focus. */
export function newViewerId(): string {
  return `v${Math.random().toString(36).slice(2, 12)}${Date.now().toString(36)}`;
}
