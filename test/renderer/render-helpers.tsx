// Renders the console, or a piece of it, over the fake API with a real store.

import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { App } from '../../renderer/src/App';
import { connectEvents, createAppStore, type AppStore } from '../../renderer/src/store/app-store';
import { StoreProvider } from '../../renderer/src/store/store-context';
import { createFakeApi, type FakeApi, type FakeOptions } from './fake-api';

// jsdom has no layout: scroll containers measure 0×0, so virtualized lists would render no rows.
// Give the list viewports a window-sized box (the real browser tests cover real layout).
for (const [prop, size] of [['clientHeight', 800], ['clientWidth', 1200]] as const) {
  Object.defineProperty(HTMLElement.prototype, prop, {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('qscroll') || this.classList.contains('files-scroll') ? size : 0;
    },
  });
}

export function renderWithStore(ui: ReactNode, api: FakeApi = createFakeApi({ signedIn: true })): { api: FakeApi; store: AppStore } & ReturnType<typeof render> {
  // Progress is flushed synchronously in tests so figures can be asserted right after an event.
  const store = createAppStore(api, { scheduleFlush: (flush) => queueMicrotask(flush) });
  connectEvents(store);
  const utils = render(<StoreProvider store={store}>{ui}</StoreProvider>);
  return { api, store, ...utils };
}

/** Like renderWithStore, but with app info, profiles and settings loaded before the first render. */
export async function renderReady(ui: ReactNode, api: FakeApi = createFakeApi({ signedIn: true })): Promise<{ api: FakeApi; store: AppStore } & ReturnType<typeof render>> {
  const store = createAppStore(api, { scheduleFlush: (flush) => queueMicrotask(flush) });
  connectEvents(store);
  await store.getState().init();
  const utils = render(<StoreProvider store={store}>{ui}</StoreProvider>);
  return { api, store, ...utils };
}

export async function renderConsole(options: FakeOptions = { signedIn: true }, seed?: (api: FakeApi) => void) {
  const api = createFakeApi(options);
  seed?.(api);
  const result = renderWithStore(<App />, api);
  await result.store.getState().init();
  return result;
}
