// The one store of the console, assembled from slices, plus the wiring of main's events into it.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BatchDeskApi } from '../../../shared/contract';
import { onReconnect } from '../transport/web-client';
import { createDetailSlice } from './detail-slice';
import { createQueueSlice } from './queue-slice';
import { createSessionSlice } from './session-slice';
import type { AppState, StoreOptions } from './types';
import { createWatchSlice } from './watch-slice';

export type AppStore = StoreApi<AppState>;

export function createAppStore(api: BatchDeskApi, options: StoreOptions = {}): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createSessionSlice(api)(...a),
    ...createQueueSlice(options)(...a),
    ...createDetailSlice()(...a),
    ...createWatchSlice()(...a),
  }));
}

/** Applies main's events to the store; returns the unsubscribe. */
export function connectEvents(store: AppStore): () => void {
  const { api } = store.getState();
  const s = () => store.getState();
  // Main learns at once that this window exists, before it has rows to show (see
  // ProgressFocus.resend), and before the events are subscribed to: until some window has said what
  // it shows, main sends every item once a second, and the web client opens its event stream on the
  // first subscription.
  s().resendFocus();
  const offs = [
    api.subscribe('queue:item', (item) => {
      s().applyItem(item);
      if (s().selectedId === item.id) void s().refreshDetail();
    }),
    api.subscribe('queue:removed', ({ id }) => s().removeItem(id)),
    api.subscribe('item:progress', (batch) => s().receiveProgress(batch)),
    api.subscribe('watch:changed', (watch) => s().applyWatch(watch)),
    api.subscribe('watch:removed', ({ id }) => s().dropWatch(id)),
    api.subscribe('profiles:changed', ({ profiles }) => store.setState({ profiles })),
    api.subscribe('notice', (notice) => s().pushNotice(notice)),
    // After the event stream drops and comes back, lists may have moved on without us, and main
    // (restarted, perhaps) may not know what this window shows.
    onReconnect(api, () => {
      s().resendFocus();
      if (s().profiles.some((p) => p.active)) {
        void s().loadQueue();
        void s().loadWatches();
      }
    }),
  ];
  return () => offs.forEach((off) => off());
}
