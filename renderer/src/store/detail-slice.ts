// The item open in the side panel: its id and the detail fetched from main.

import type { StateCreator } from 'zustand';
import type { AppState, DetailSlice } from './types';

export function createDetailSlice(): StateCreator<AppState, [], [], DetailSlice> {
  let generation = 0;
  return (set, get) => ({
    selectedId: null,
    detail: null,
    tab: 'progress',
    filesFilter: 'all',

    openItem(id, view) {
      // The panel shows beside a list: from Watches or Settings (a notice's "Show item"), the queue.
      const route = get().route;
      if (route !== 'queue' && route !== 'history') get().navigate('queue');
      const viewPatch = { tab: view?.tab ?? (get().selectedId === id ? get().tab : 'progress'), filesFilter: view?.filter ?? 'all' };
      if (get().selectedId === id) {
        set(viewPatch);
        return;
      }
      set({ selectedId: id, detail: { id, status: 'loading' }, ...viewPatch });
      void get().refreshDetail();
    },

    setTab(tab) {
      set({ tab });
    },

    setFilesFilter(filter) {
      set({ filesFilter: filter });
    },

    closeItem() {
      generation++;
      set({ selectedId: null, detail: null });
    },

    async refreshDetail() {
      const id = get().selectedId;
      if (!id) return;
      const mine = ++generation;
      const result = await get().api['item:get']({ id });
      // A newer request (or closing the panel) wins over a slow answer.
      if (mine !== generation || get().selectedId !== id) return;
      if (result.ok) {
        get().applyItem(result.value.summary);
        set({ detail: { id, status: 'ready', value: result.value } });
      } else {
        const previous = get().detail;
        set({ detail: { id, status: 'error', error: result.error, value: previous?.id === id ? previous.value : undefined } });
      }
    },
  });
}
