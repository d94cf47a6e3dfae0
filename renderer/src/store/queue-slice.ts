// Queue and history: items normalized by id with newest-first id lists, and live progress applied
// in coalesced batches so a flood of `item:progress` events costs one store update per frame.

import type { StateCreator } from 'zustand';
import type { ItemSummary } from '../../../shared/domain';
import type { Result } from '../../../shared/result';
import type { AppState, QueueSlice, StoreOptions } from './types';
import { LiveProgressBuffer } from './live-progress';
import { insertSorted, isFinished, isStale, sortNewestFirst } from './ordering';

const SAMPLE_INTERVAL_MS = 1000;
const MAX_SAMPLES = 90;

export function createQueueSlice(options: StoreOptions): StateCreator<AppState, [], [], QueueSlice> {
  const now = options.now ?? (() => Date.now());
  const scheduleFlush = options.scheduleFlush ?? defaultScheduler;
  const progress = new LiveProgressBuffer();
  const lastSampleAt = new Map<string, number>();
  let flushScheduled = false;

  return (set, get) => ({
    items: {},
    queueIds: [],
    historyIds: [],
    live: progress.live,
    samples: {},
    progressVersion: 0,
    queueStatus: 'idle',
    historyStatus: 'idle',

    async loadQueue() {
      set({ queueStatus: get().queueStatus === 'ready' ? 'ready' : 'loading', queueError: undefined });
      const result = await get().api['queue:list']({});
      if (!result.ok) {
        set({ queueStatus: 'error', queueError: result.error });
        return;
      }
      set((state) => {
        const items = { ...state.items };
        for (const item of result.value) if (!isStale(item, items[item.id])) items[item.id] = item;
        // Items finished during this session stay visible in the queue until cleared.
        const listed = new Set(result.value.map((i) => i.id));
        const kept = state.queueIds.filter((id) => !listed.has(id) && items[id] && isFinished(items[id]!));
        const ids = sortNewestFirst([...result.value.map((i) => items[i.id]!), ...kept.map((id) => items[id]!)]);
        return { items, queueIds: ids, queueStatus: 'ready' };
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
        const items = { ...state.items };
        for (const item of result.value) if (!isStale(item, items[item.id])) items[item.id] = item;
        return { items, historyIds: sortNewestFirst(result.value.map((i) => items[i.id]!)), historyStatus: 'ready' };
      });
    },

    async clearHistory() {
      const result = await get().api['history:clear']({});
      if (result.ok) set({ historyIds: [] });
      else get().pushNotice({ level: 'error', message: result.error.message, error: result.error });
      return result;
    },

    clearFinished() {
      set((state) => ({ queueIds: state.queueIds.filter((id) => !isFinished(state.items[id]!)) }));
    },

    applyItem(summary) {
      set((state) => {
        const current = state.items[summary.id];
        if (isStale(summary, current)) return {};
        const items = { ...state.items, [summary.id]: summary };
        const patch: Partial<AppState> = { items };
        if (!current || (!state.queueIds.includes(summary.id) && !isFinished(summary))) {
          patch.queueIds = insertSorted(
            state.queueIds.filter((id) => id !== summary.id),
            summary,
            items,
          );
        }
        if (isFinished(summary) && state.historyStatus === 'ready' && !state.historyIds.includes(summary.id)) {
          patch.historyIds = insertSorted(state.historyIds, summary, items);
        }
        // Once finished, the summary's figures are final; live progress would only lag behind.
        // (`live` is changed in place; this update tells its readers.)
        if (isFinished(summary)) progress.drop(summary.id);
        return patch;
      });
    },

    removeItem(id) {
      progress.drop(id);
      lastSampleAt.delete(id);
      set((state) => {
        const items = { ...state.items };
        delete items[id];
        return {
          items,
          queueIds: state.queueIds.filter((x) => x !== id),
          historyIds: state.historyIds.filter((x) => x !== id),
          selectedId: state.selectedId === id ? null : state.selectedId,
          detail: state.detail?.id === id ? null : state.detail,
        };
      });
    },

    receiveProgress(event) {
      progress.receive(event);
      if (flushScheduled) return;
      flushScheduled = true;
      scheduleFlush(() => get().flushProgress());
    },

    flushProgress() {
      flushScheduled = false;
      if (!progress.pending) return;
      const t = now();
      const { items, samples } = get();
      // `live` and the sample arrays are updated in place (see live-progress.ts): copying
      // 10,000-key records every flush would cost more than everything else together, and a row's
      // selector (`s.live[id]`) sees a new object exactly when its own figures changed. Sample
      // arrays are appended in place: a row re-renders on its live change, which is at least as
      // frequent. `progressVersion` makes the store notify its subscribers.
      progress.flush(
        (id) => {
          const item = items[id];
          return item === undefined || !isFinished(item);
        },
        (id, throughput) => {
          const last = lastSampleAt.get(id);
          if (last === undefined || t - last >= SAMPLE_INTERVAL_MS) {
            lastSampleAt.set(id, t);
            let line = samples[id];
            if (line === undefined) samples[id] = line = [];
            if (line.length >= MAX_SAMPLES) line.shift();
            line.push(throughput);
          }
        },
      );
      set((state) => ({ progressVersion: state.progressVersion + 1 }));
    },

    async addItem(spec) {
      const result = await get().api['queue:add'](spec);
      if (result.ok) get().applyItem(result.value);
      return result;
    },

    async itemAction(action, id) {
      const api = get().api;
      let result: Result<unknown>;
      switch (action) {
        case 'pause':
          result = await api['item:pause']({ id });
          break;
        case 'resume':
          result = await api['item:resume']({ id });
          break;
        case 'cancel':
          result = await api['item:cancel']({ id });
          break;
        case 'retry':
          result = await api['item:retry']({ id });
          break;
        case 'abort-job':
          result = await api['item:abort-job']({ id });
          break;
        case 'open-output': {
          const opened = await api['item:open-output']({ id });
          if (opened.ok && !opened.value.opened) {
            get().pushNotice({ level: 'info', message: `Output folder: ${opened.value.path}`, itemId: id });
          }
          result = opened;
          break;
        }
      }
      if (result.ok) {
        const value = result.value as ItemSummary | { path: string };
        if (value && typeof value === 'object' && 'state' in value) get().applyItem(value);
      } else {
        get().pushNotice({ level: 'error', message: result.error.message, itemId: id, error: result.error });
      }
      return result;
    },
  });
}

// Progress is applied at most five times a second, on an animation frame: figures change faster
// than anyone reads them, and every visible row that changes costs style, layout and paint. Bars glide
// between updates with a CSS transition. In a hidden tab frames stop, so a timer takes over.
const PROGRESS_INTERVAL_MS = 200;

function defaultScheduler(flush: () => void): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    flush();
  };
  setTimeout(() => {
    if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) requestAnimationFrame(run);
    setTimeout(run, 100);
  }, PROGRESS_INTERVAL_MS);
}
