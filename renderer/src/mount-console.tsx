// Starts the console over an API (the real transport, or the preview's fake): the store, its events,
// its first load, and the React tree in #root.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { BatchDeskApi } from '../../shared/contract';
import { App } from './App';
import { connectEvents, createAppStore, type AppStore } from './store/app-store';
import { StoreProvider } from './store/store-context';
import { markPlatform } from './util/platform';

export function mountConsole(api: BatchDeskApi): AppStore {
  markPlatform();
  const store = createAppStore(api);
  connectEvents(store);
  void store.getState().init();
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <StoreProvider store={store}>
        <App />
      </StoreProvider>
    </StrictMode>,
  );
  return store;
}
