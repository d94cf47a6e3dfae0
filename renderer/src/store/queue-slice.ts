// Queue and history: items normalized by id with newest-first id lists, and live progress applied
// in coalesced batches so a flood of `item:progress` batches costs one store update per flush.

import type { StateCreator } from 'zustand';
import { QUEUE_PAGE_DEFAULT } from '../../../shared/contract';
import type { ItemSummary, QueueCursor } from '../../../shared/domain';
import type { Result } from '../../../shared/result';
import type { AppState, ItemAction, Notice, QueueSlice, StoreOptions } from './types';
import { LiveProgressBuffer } from './live-progress';
import { newViewerId, ProgressFocus } from './progress-focus';
import { insertSorted, isBusy, isFinished, isStale, mergeSorted, sortNewestFirst } from './ordering';

const SAMPLE_INTERVAL_MS = 1000;
/** Items per `queue:list` page: each page is parsed and merged in well under a frame's budget. */
export const QUEUE_PAGE_SIZE = QUEUE_PAGE_DEFAULT;
/**
 * The pause before each page after the first. Every listed item outlives the young generation, and
 * while progress events flow a scavenge runs every ~150 ms, so the pace sets how many new items each
 * scavenge copies. Back to back, thousands (pauses of 18-27 ms traced under the benchmark's flood).
 * 50 ms apart, scavenges during the load still took 12-31 ms of wall time traced, most of it the
 * main thread waiting for V8's helper threads, and on a busy machine 50-82 ms tasks with no script
 * in 4 of 40 runs; 100 ms apart, in 7 of 140 (a gain within the noise, but each scavenge copies half
 * as many items). The first page still shows at once; a 10,000-item queue is complete after ~4.4 s
 * (~2.5 s at 50 ms, ~0.6 s back to back).
 */
export const QUEUE_PAGE_GAP_MS = 100;

/** One `loadQueue`: what its pages listed, and what events changed or removed meanwhile. */
interface LoadRun {
  generation: number;
  listed: Set<string>;
  touched: Set<string>;
  removed: Set<string>;
}

/** The item actions that are one call on their own channel, answered with the item. */
const ITEM_CHANNELS = {
  pause: 'item:pause',
  resume: 'item:resume',
  cancel: 'item:cancel',
  retry: 'item:retry',
  'abort-job': 'item:abort-job',
} as const satisfies Record<Exclude<ItemAction, 'open-output'>, string>;

export function createQueueSlice(options: StoreOptions): StateCreator<AppState, [], [], QueueSlice> {
  const now = options.now ?? (() => Date.now());
  const scheduleFlush = options.scheduleFlush ?? defaultScheduler;
  const betweenPages = options.betweenPages ?? (() => new Promise<void>((resolve) => setTimeout(resolve, QUEUE_PAGE_GAP_MS)));
  const progress = new LiveProgressBuffer();
  let flushScheduled = false;
  /** The ids in `queueIds`, for O(1) membership. */
  let inQueue = new Set<string>();
  let loadGeneration = 0;
  /** The `loadQueue` under way, if any. */
  let loading: LoadRun | null = null;
  // Counts over the queue's items, kept as items enter, change and leave it (counting 10,000 items
  // on every change was a visible part of each page's merge).
  let busy = 0;
  let finished = 0;
  const tally = (item: ItemSummary | undefined, delta: number) => {
    if (item === undefined) return;
    if (isBusy(item)) busy += delta;
    else if (isFinished(item)) finished += delta;
  };
  const recount = (ids: readonly string[], items: Record<string, ItemSummary>) => {
    busy = 0;
    finished = 0;
    for (const id of ids) tally(items[id], 1);
  };
  const counts = () => ({ queueBusy: busy, queueFinished: finished });
  /** Stores a summary: once finished, its figures are final and live progress would only lag behind. */
  const keepSummary = (items: Record<string, ItemSummary>, item: ItemSummary) => {
    items[item.id] = item;
    if (isFinished(item)) progress.close(item.id);
    else progress.reopen(item.id);
  };

  return (set, get) => {
    const viewer = newViewerId();
    const focus = new ProgressFocus(
      (ids) => get().api['progress:focus']({ viewer, ids }).then((result) => result.ok),
      () => get().selectedId,
    );

    /** Merges one page (newest first) into the store: O(page), plus one copy of the id list. */
    function mergePage(page: ItemSummary[], run: LoadRun): void {
      set((state) => {
        const { items } = state;
        const fresh: ItemSummary[] = [];
        for (const item of page) {
          run.listed.add(item.id);
          if (run.removed.has(item.id)) continue; // removed while this page was on its way
          const current = items[item.id];
          if (!isStale(item, current)) {
            keepSummary(items, item);
            if (inQueue.has(item.id)) {
              tally(current, -1);
              tally(item, 1);
            }
          }
          const held = items[item.id]!;
          // (A newer copy that has finished meanwhile is not brought back into the queue.)
          if (!inQueue.has(item.id) && (held === item || !isFinished(held))) {
            fresh.push(held);
            inQueue.add(item.id);
            tally(held, 1);
          }
        }
        const patch: Partial<AppState> = { itemsVersion: state.itemsVersion + 1, ...counts() };
        if (fresh.length > 0) patch.queueIds = mergeSorted(state.queueIds, fresh, items);
        return patch;
      });
    }

    return {
      items: {},
      itemsVersion: 0,
      queueIds: [],
      queueBusy: 0,
      queueFinished: 0,
      historyIds: [],
      live: progress.live,
      samples: progress.samples,
      progressVersion: 0,
      queueStatus: 'idle',
      historyStatus: 'idle',

      async loadQueue() {
        // Page by page, each answer deserialized and merged in a task of its own (one 10,000-item
        // answer used to block the page for half a second), paced (QUEUE_PAGE_GAP_MS). The first
        // page shows at once; events that arrive meanwhile are applied as usual and win over older
        // page contents.
        const run: LoadRun = { generation: ++loadGeneration, listed: new Set(), touched: new Set(), removed: new Set() };
        loading = run;
        set({ queueStatus: get().queueStatus === 'ready' ? 'ready' : 'loading', queueError: undefined });
        let after: QueueCursor | undefined;
        for (;;) {
          const result = await get().api['queue:list'](after ? { after, limit: QUEUE_PAGE_SIZE } : { limit: QUEUE_PAGE_SIZE });
          if (run.generation !== loadGeneration) return; // a newer load took over
          if (!result.ok) {
            loading = null;
            set({ queueStatus: 'error', queueError: result.error });
            return;
          }
          mergePage(result.value.items, run);
          if (!result.value.next) break;
          after = result.value.next;
          await betweenPages();
          if (run.generation !== loadGeneration) return;
        }
        loading = null;
        // Items the store had before this load that main no longer lists as active (a reload after
        // the event stream dropped) either finished meanwhile, and stay as such until cleared like
        // any finished item, or are gone. History says which.
        const unlisted = (id: string) => !run.listed.has(id) && !run.touched.has(id) && !isFinished(get().items[id]!);
        const missing = new Set(get().queueIds.filter(unlisted));
        if (missing.size > 0) {
          const finished = await get().api['history:list']({ limit: 500 });
          if (run.generation !== loadGeneration) return;
          if (finished.ok) for (const summary of finished.value) if (missing.has(summary.id)) get().applyItem(summary);
        }
        set((state) => {
          const { items } = state;
          const keep = (id: string) => run.listed.has(id) || run.touched.has(id) || (items[id] !== undefined && isFinished(items[id]));
          if (state.queueIds.every(keep)) return { queueStatus: 'ready' };
          const queueIds = state.queueIds.filter(keep);
          inQueue = new Set(queueIds);
          recount(queueIds, items);
          return { queueIds, queueStatus: 'ready', ...counts() };
        });
      },

      async loadHistory() {
        set({ historyStatus: get().historyStatus === 'ready' ? 'ready' : 'loading', historyError: undefined });
        const result = await get().api['history:list']({ limit: 500 });
        if (!result.ok) {
          set({ historyStatus: 'error', historyError: result.error });
          return;
        }
        set((state) => {
          const { items } = state;
          for (const item of result.value) {
            const current = items[item.id];
            if (isStale(item, current)) continue;
            keepSummary(items, item);
            if (inQueue.has(item.id)) {
              tally(current, -1);
              tally(item, 1);
            }
          }
          // The store's copy wins over an older answer: an item retried while this answer was on its
          // way is active again and stays out of History.
          const finishedNow = result.value.map((i) => items[i.id]!).filter(isFinished);
          return {
            itemsVersion: state.itemsVersion + 1,
            ...counts(),
            historyIds: sortNewestFirst(finishedNow),
            historyStatus: 'ready',
          };
        });
      },

      async clearHistory() {
        const result = await get().api['history:clear']({});
        if (result.ok) set({ historyIds: [] });
        else get().pushNotice({ level: 'error', message: result.error.message, error: result.error });
        return result;
      },

      clearFinished() {
        set((state) => {
          const queueIds = state.queueIds.filter((id) => !isFinished(state.items[id]!));
          inQueue = new Set(queueIds);
          recount(queueIds, state.items);
          return { queueIds, ...counts() };
        });
      },

      applyItem(summary) {
        loading?.touched.add(summary.id);
        set((state) => {
          const { items } = state;
          const current = items[summary.id];
          if (isStale(summary, current)) return {};
          // `items` is changed in place (copying a 10,000-key record costs ~15 ms); each summary is a
          // new object, so a row's selector (`s.items[id]`) still sees exactly its own changes.
          keepSummary(items, summary);
          const patch: Partial<AppState> = { itemsVersion: state.itemsVersion + 1 };
          if (inQueue.has(summary.id)) {
            tally(current, -1);
            tally(summary, 1);
          } else if (!current || !isFinished(summary)) {
            patch.queueIds = insertSorted(state.queueIds, summary, items);
            inQueue.add(summary.id);
            tally(summary, 1);
          }
          Object.assign(patch, counts());
          if (isFinished(summary) && state.historyStatus === 'ready' && !state.historyIds.includes(summary.id)) {
            patch.historyIds = insertSorted(state.historyIds, summary, items);
          } else if (!isFinished(summary) && current && isFinished(current)) {
            // Retried (or its job restarted): back in the queue, and no longer in main's History.
            patch.historyIds = state.historyIds.filter((id) => id !== summary.id);
          }
          // A failure notice is moot once its item is retried or done: it would still say "failed"
          // beside a row that no longer is. Advice to start a job is moot once one has started.
          const retried = current?.state === 'failed' && summary.state !== 'failed';
          const jobStarted = Boolean(summary.jobId) && !current?.jobId;
          if (retried || jobStarted) {
            const moot = (n: Notice) => n.itemId === summary.id && ((retried && n.level === 'error') || (jobStarted && n.untilJob === true));
            const notices = state.notices.filter((n) => !moot(n));
            if (notices.length !== state.notices.length) patch.notices = notices;
          }
          return patch;
        });
      },

      removeItem(id) {
        progress.drop(id);
        progress.reopen(id);
        if (loading) {
          // A page read before the removal may still be on its way: it must not bring the item back.
          loading.removed.add(id);
          loading.touched.delete(id);
        }
        set((state) => {
          const wasQueued = inQueue.delete(id);
          if (wasQueued) tally(state.items[id], -1);
          delete state.items[id];
          return {
            itemsVersion: state.itemsVersion + 1,
            ...counts(),
            queueIds: wasQueued ? state.queueIds.filter((x) => x !== id) : state.queueIds,
            historyIds: state.historyIds.filter((x) => x !== id),
            selectedId: state.selectedId === id ? null : state.selectedId,
            detail: state.detail?.id === id ? null : state.detail,
          };
        });
      },

      receiveProgress(batch) {
        progress.receiveBatch(batch);
        if (flushScheduled) return;
        flushScheduled = true;
        scheduleFlush(() => get().flushProgress());
      },

      flushProgress() {
        flushScheduled = false;
        if (!progress.pending) return;
        // `live` and `samples` are views that change in place (see live-progress.ts): copying
        // 10,000-key records every flush would cost more than everything else together, and a row's
        // selectors (`s.live[id]`, `s.samples[id]`) see a new object exactly when its own figures
        // changed. `progressVersion` makes the store notify its subscribers.
        progress.flush(now(), SAMPLE_INTERVAL_MS);
        set((state) => ({ progressVersion: state.progressVersion + 1 }));
      },

      showRows(ids) {
        focus.showRows(ids);
      },

      resendFocus() {
        focus.resend();
      },

      async addItem(spec) {
        const result = await get().api['queue:add'](spec);
        if (result.ok) get().applyItem(result.value);
        return result;
      },

      async itemAction(action, id) {
        const api = get().api;
        let result: Result<unknown>;
        if (action === 'open-output') {
          const opened = await api['item:open-output']({ id });
          if (opened.ok && !opened.value.opened) {
            get().pushNotice({ level: 'info', message: `Output folder: ${opened.value.path}`, itemId: id });
          }
          result = opened;
        } else {
          result = await api[ITEM_CHANNELS[action]]({ id });
        }
        if (result.ok) {
          const value = result.value as ItemSummary | { path: string };
          if (value && typeof value === 'object' && 'state' in value) get().applyItem(value);
        } else {
          get().pushNotice({ level: 'error', message: result.error.message, itemId: id, error: result.error });
        }
        return result;
      },
    };
  };
}

// Progress is applied at most five times a second: figures change faster than anyone reads them,
// and every visible row that changes costs style, layout and paint. (The item panel's bars glide
// between flushes; queue rows' bars step: see styles.css.) The flush (and React's render of the
// rows it changes) runs in a timer task of its own, not in an animation frame: there it shared one
// task with the frame's style, layout and paint, the longest task of a running queue (40-60 ms on a
// busy 2-core machine); now the frame that follows does only the rendering. (Timers also keep
// running in a hidden tab, where frames stop.)
const PROGRESS_INTERVAL_MS = 200;

function defaultScheduler(flush: () => void): void {
  setTimeout(flush, PROGRESS_INTERVAL_MS);
}
