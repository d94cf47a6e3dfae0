// Watches: folders that keep creating items, normalized by id in the order main lists them.

import type { StateCreator } from 'zustand';
import type { Result } from '../../../shared/result';
import type { AppState, WatchSlice } from './types';

export function createWatchSlice(): StateCreator<AppState, [], [], WatchSlice> {
  return (set, get) => ({
    watches: {},
    watchIds: [],
    watchStatus: 'idle',

    async loadWatches() {
      set({ watchStatus: get().watchStatus === 'ready' ? 'ready' : 'loading', watchError: undefined });
      const result = await get().api['watches:list']({});
      if (!result.ok) {
        set({ watchStatus: 'error', watchError: result.error });
        return;
      }
      const watches = Object.fromEntries(result.value.map((w) => [w.id, w]));
      set({ watches, watchIds: result.value.map((w) => w.id), watchStatus: 'ready' });
    },

    applyWatch(watch) {
      set((state) => ({
        watches: { ...state.watches, [watch.id]: watch },
        watchIds: state.watchIds.includes(watch.id) ? state.watchIds : [...state.watchIds, watch.id],
      }));
    },

    dropWatch(id) {
      set((state) => {
        const watches = { ...state.watches };
        delete watches[id];
        return { watches, watchIds: state.watchIds.filter((x) => x !== id) };
      });
    },

    async addWatch(spec) {
      const result = await get().api['watches:add'](spec);
      if (result.ok) get().applyWatch(result.value);
      return result;
    },

    async updateWatch(id, spec) {
      const result = await get().api['watches:update']({ id, spec });
      if (result.ok) get().applyWatch(result.value);
      return result;
    },

    async watchAction(action, id) {
      const api = get().api;
      let result: Result<unknown>;
      if (action === 'remove') {
        result = await api['watches:remove']({ id });
        if (result.ok) get().dropWatch(id);
      } else {
        const changed = action === 'pause' ? await api['watches:pause']({ id }) : await api['watches:resume']({ id });
        if (changed.ok) get().applyWatch(changed.value);
        result = changed;
      }
      if (!result.ok) get().pushNotice({ level: 'error', message: result.error.message, error: result.error });
      return result;
    },
  });
}
