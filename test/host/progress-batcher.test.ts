// Progress reaches the UI packed in batches: every item's latest figures arrive, unchanged, soon,
// never all at once, and never after a newer summary of the item.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventChannel, ItemProgressEvent } from '../../shared/contract';
import { emptyProgress, type ItemSummary } from '../../shared/domain';
import { packProgress, unpackProgress, type ProgressBatch } from '../../shared/progress-batch';
import { BATCH_WINDOW_MS, MAX_VIEWERS, ProgressBatcher, UNSEEN_EVERY_WINDOWS } from '../../main/host/progress-batcher';
import { testApp } from './fixture';

const upload = (id: string, bytesDone: number, etaSeconds: number | null = 12.5): ItemProgressEvent => ({
  id,
  stage: 'upload',
  progress: { ...emptyProgress(), files: { done: 3, total: 10 }, bytes: { done: bytesDone, total: 4e9 }, throughput: 41.5e6, etaSeconds, rejected: 1 },
});

afterEach(() => vi.useRealTimers());

describe('packed progress', () => {
  it('carries every figure through JSON unchanged, an unknown ETA included', () => {
    const events = [upload('a', 2.5e9), upload('b', 0, null), { ...upload('c', 7), stage: 'indexing' as const }];
    const wire = JSON.parse(JSON.stringify(packProgress(events))) as ProgressBatch;
    expect(unpackProgress(wire)).toEqual(events);
    expect(wire.whole).toEqual([]);
  });

  it('rounds only what no one reads closely: throughput to whole bytes a second, the ETA to a tenth of a second', () => {
    const event = upload('a', 123_456_789, 7.2345);
    event.progress.throughput = 38_123_456.789;
    const [back] = unpackProgress(JSON.parse(JSON.stringify(packProgress([event]))) as ProgressBatch);
    expect(back!.progress).toEqual({ ...event.progress, throughput: 38_123_457, etaSeconds: 7.2 });
  });

  it('sends events of any other shape whole, so job tasks, export counters and retry notices are kept', () => {
    const tasks = { ...upload('t', 0), stage: 'processing' as const };
    tasks.progress.tasks = { total: 4, succeeded: 1, failed: 0, running: 1, waiting: 2, fraction: 0.25 } as never;
    const retrying = upload('r', 5);
    retrying.progress.retrying = { count: 2, reason: 'storage answered 503', nextAttemptAt: '2026-11-29T10:00:00Z' };
    const batch = packProgress([upload('a', 1), tasks, retrying]);
    expect(batch.ids).toEqual(['a']);
    expect(batch.whole).toEqual([tasks, retrying]);
    expect(unpackProgress(batch)).toEqual([upload('a', 1), tasks, retrying]);
  });
});

/** A batcher on fake timers, and what it has sent. */
function batcherOnFakeTimers(windowMs: number, maxItems: number) {
  vi.useFakeTimers();
  const sent: ProgressBatch[] = [];
  return { batcher: new ProgressBatcher((b) => sent.push(b), { windowMs, maxItems }), sent };
}

describe('ProgressBatcher', () => {
  it('sends one batch per window with the latest figures of each item', () => {
    const { batcher, sent } = batcherOnFakeTimers(100, 1000);
    batcher.focus('window-1', ['a', 'b']);
    batcher.add(upload('a', 1));
    batcher.add(upload('b', 1));
    batcher.add(upload('a', 2));
    vi.advanceTimersByTime(99);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent.map(unpackProgress)).toEqual([[upload('a', 2), upload('b', 1)]]);
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(1); // nothing more to send
  });

  it('splits a window with many items into messages of at most the batch size, spread over the next window', () => {
    const { batcher, sent } = batcherOnFakeTimers(90, 3);
    batcher.focus('window-1', ['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6']);
    for (let i = 0; i < 7; i++) batcher.add(upload(`i${i}`, i));
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(90);
    expect(sent.map((b) => b.ids)).toEqual([['i0', 'i1', 'i2']]); // not all in one network read
    vi.advanceTimersByTime(30);
    expect(sent.map((b) => b.ids)).toEqual([['i0', 'i1', 'i2'], ['i3', 'i4', 'i5']]);
    vi.advanceTimersByTime(30);
    expect(sent.map((b) => b.ids)).toEqual([['i0', 'i1', 'i2'], ['i3', 'i4', 'i5'], ['i6']]);
  });

  it("forgets an item's figures still in the outbox too", () => {
    const { batcher, sent } = batcherOnFakeTimers(90, 2);
    batcher.focus('window-1', ['i0', 'i1', 'i2', 'i3']);
    for (let i = 0; i < 4; i++) batcher.add(upload(`i${i}`, i));
    vi.advanceTimersByTime(90); // i0, i1 sent; i2, i3 wait in the outbox
    batcher.forget('i3');
    vi.advanceTimersByTime(1000);
    expect(sent.map((b) => b.ids)).toEqual([['i0', 'i1'], ['i2']]);
    expect(unpackProgress(sent[1]!)).toEqual([upload('i2', 2)]);
  });

  it("drops a removed item's waiting figures", () => {
    const { batcher, sent } = batcherOnFakeTimers(100, 1000);
    batcher.focus('window-1', ['a', 'gone']);
    batcher.add(upload('a', 1));
    batcher.add(upload('gone', 1));
    batcher.forget('gone');
    vi.advanceTimersByTime(100);
    expect(sent.map((b) => b.ids)).toEqual([['a']]);
  });
});

describe('ProgressBatcher: what the operator sees goes first', () => {
  /** Every item reports `perWindow` times a window for `windows` windows; which ids each window sent. */
  function run(batcher: ProgressBatcher, sent: ProgressBatch[], ids: string[], windows: number, perWindow = 2): string[][] {
    const byWindow: string[][] = [];
    for (let w = 0; w < windows; w++) {
      const before = sent.length;
      for (let k = 0; k < perWindow; k++) {
        for (const id of ids) batcher.add(upload(id, w * 10 + k));
        vi.advanceTimersByTime(100 / perWindow);
      }
      byWindow.push(sent.slice(before).flatMap((b) => b.ids));
    }
    return byWindow;
  }

  it('sends every item once every five windows while no window has said what it shows, always in the same one, a fifth of them in each', () => {
    const { batcher, sent } = batcherOnFakeTimers(100, 1000);
    const ids = Array.from({ length: 200 }, (_, i) => `item-${i}`);
    const byWindow = run(batcher, sent, ids, 4 * UNSEEN_EVERY_WINDOWS);
    for (const id of ids) {
      const windows = byWindow.flatMap((sentIds, w) => (sentIds.includes(id) ? [w] : []));
      expect(windows).toHaveLength(4); // once a second, not five times
      expect(windows.map((w) => w - windows[0]!)).toEqual([0, 5, 10, 15]); // evenly: a sparkline sample a second
    }
    for (const sentIds of byWindow.slice(1)) {
      expect(sentIds.length).toBeGreaterThan(200 / UNSEEN_EVERY_WINDOWS / 2); // spread, never all in one window
      expect(sentIds.length).toBeLessThan((200 / UNSEEN_EVERY_WINDOWS) * 2);
    }
    // What a window sends is the newest figures.
    const last = sent.at(-1)!;
    expect(unpackProgress(last).every((e) => e.progress.bytes.done === 19 * 10 + 1)).toBe(true);
  });

  it('sends the items a window shows every window, and the others only when they come into view, newest figures and sparkline first', () => {
    vi.useFakeTimers();
    const sent: ProgressBatch[] = [];
    const sparkline = (id: string) => [1, 2, id.length];
    const batcher = new ProgressBatcher((b) => sent.push(b), { windowMs: 100, maxItems: 1000, historyOf: sparkline });
    const ids = Array.from({ length: 50 }, (_, i) => `item-${i}`);
    batcher.focus('window-1', ['item-7', 'item-8']);
    let byWindow = run(batcher, sent, ids, 2 * UNSEEN_EVERY_WINDOWS);
    for (const sentIds of byWindow) expect(sentIds).toEqual(['item-7', 'item-8']); // nothing off screen
    expect(sent[0]!.histories).toEqual([
      { id: 'item-7', samples: sparkline('item-7') },
      { id: 'item-8', samples: sparkline('item-8') },
    ]);
    expect(sent.slice(1).some((b) => b.histories)).toBe(false); // once, as they came into view

    // The operator scrolls: item-30 comes into view, item-7 leaves it.
    const before = sent.length;
    batcher.focus('window-1', ['item-30', 'item-8']);
    byWindow = run(batcher, sent, ids, UNSEEN_EVERY_WINDOWS);
    for (const sentIds of byWindow) expect(sentIds).toEqual(['item-30', 'item-8']);
    expect(sent[before]!.histories).toEqual([{ id: 'item-30', samples: sparkline('item-30') }]);
    expect(sent.slice(before + 1).some((b) => b.histories)).toBe(false);
  });

  it('sends what waited for an item as soon as it comes into view, even when no newer figures come', () => {
    const { batcher, sent } = batcherOnFakeTimers(100, 1000);
    batcher.focus('window-1', ['a']);
    batcher.add(upload('a', 1));
    batcher.add(upload('off-screen', 5));
    batcher.add(upload('off-screen', 6));
    vi.advanceTimersByTime(1000);
    expect(sent.map(unpackProgress)).toEqual([[upload('a', 1)]]);
    batcher.focus('window-1', ['a', 'off-screen']);
    vi.advanceTimersByTime(100);
    expect(sent.map(unpackProgress)).toEqual([[upload('a', 1)], [upload('off-screen', 6)]]);
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(2); // sent once: nothing newer came
  });

  it("counts every open window's focus, the most recent few of them", () => {
    const { batcher, sent } = batcherOnFakeTimers(100, 1000);
    const ids = Array.from({ length: 50 }, (_, i) => `item-${i}`);
    batcher.focus('tab-a', ['item-1']);
    batcher.focus('tab-b', ['item-2']);
    let byWindow = run(batcher, sent, ids, UNSEEN_EVERY_WINDOWS);
    for (const sentIds of byWindow) expect(sentIds).toEqual(['item-1', 'item-2']);
    // Tabs are never said to close: beyond MAX_VIEWERS, the least recently focused one stops counting.
    for (let v = 0; v < MAX_VIEWERS - 1; v++) batcher.focus(`tab-${v}`, []);
    byWindow = run(batcher, sent, ids, UNSEEN_EVERY_WINDOWS);
    for (const sentIds of byWindow) expect(sentIds).toEqual(['item-2']);
  });
});

describe('the host', () => {
  it("drops an item's waiting figures when its summary goes out (the summary's own are newer), and keeps the others'", async () => {
    const app = testApp({ steps: [] });
    try {
      const events: [EventChannel, unknown][] = [];
      app.host.subscribe((e, p) => events.push([e, p]));
      expect(await app.host.invoke('progress:focus', { viewer: 'window-1', ids: ['a', 'b'] })).toEqual({ ok: true, value: null });
      app.engine.emit('progress', upload('a', 1));
      app.engine.emit('progress', upload('b', 1));
      app.engine.emit('item', { id: 'a', name: 'a', state: 'done', stage: 'done', progress: emptyProgress() } as unknown as ItemSummary);
      expect(events.map(([e]) => e)).toEqual(['queue:item', 'notice']); // sent at once; progress waits for its window
      await new Promise((resolve) => setTimeout(resolve, BATCH_WINDOW_MS + 100));
      expect(events.map(([e]) => e)).toEqual(['queue:item', 'notice', 'item:progress']);
      expect(unpackProgress(events[2]![1] as ProgressBatch)).toEqual([upload('b', 1)]);
    } finally {
      await app.close();
    }
  });
});
