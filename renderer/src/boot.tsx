// The console's start, loaded by main.tsx once React DOM is in: pick the transport (preload bridge or
// web host), build the store, wire events, render.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { connectEvents, createAppStore } from './store/app-store';
import { StoreProvider } from './store/store-context';
import { pickTransport } from './transport/pick-transport';
import { markPlatform } from './util/platform';

markPlatform();
const store = createAppStore(pickTransport());
connectEvents(store);
void store.getState().init();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);
