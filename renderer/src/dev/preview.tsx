// Development preview over the in-memory fake API (never part of the production build, which only
// has index.html). `?scenario=` picks the state: showcase (default), first-run, no-keychain, empty,
// bench (`&items=10000`, `&hold=1`); `&mode=desktop` pretends to be the desktop app; `&live=1` moves items.

import { createFakeApi, seedShowcase } from '../../../test/renderer/fake-api';
import { mountConsole } from '../mount-console';
import { createWebClient } from '../transport/web-client';
import '../styles.css';
import { WARM_UP_TASKS } from '../util/warm-up';

const params = new URL(location.href).searchParams;
const scenario = params.get('scenario') ?? 'showcase';
const api = createFakeApi({
  answerInTask: true,
  mode: params.get('mode') === 'desktop' ? 'desktop' : 'web',
  signedIn: scenario !== 'first-run' && scenario !== 'no-keychain',
  keychain: scenario === 'no-keychain' ? { available: false, message: 'No keychain answers on this machine (no Secret Service on D-Bus), so the key cannot be stored safely.' } : undefined,
});
if (scenario === 'showcase') seedShowcase(api);
// For the benchmark, before the console starts (store: once it has): webClient reads progress from a
// host's event stream through the real web client.
const preview: { api: typeof api; store: ReturnType<typeof mountConsole> | null; webClient: typeof createWebClient } = { api, store: null, webClient: createWebClient };
(window as unknown as { __preview: typeof preview }).__preview = preview;

// The bench's seeding is the fake service's work (main holds the items), not the renderer's: it runs
// in its own task, marked, and the console starts in the next one ('app-start').
if (scenario === 'bench') {
  performance.mark('bench-seed-start');
  const n = Number(params.get('items') ?? 10_000);
  for (let i = 0; i < n; i++) {
    api.fake.seedItem({ name: `folder-${String(i).padStart(5, '0')}`, stage: 'upload', state: 'running', progress: { files: { done: 0, total: 5000 }, bytes: { done: 0, total: 9e8 }, indexed: { done: 0, total: 0 }, rejected: i % 17 === 0 ? 2 : 0, throughput: 0, etaSeconds: null } });
  }
  // Also the service's: sorting its listing once, and the garbage collector moving its 10,000 fresh
  // items out of the young generation (the first scavenge after seeding copied them all, a 70 ms
  // pause that main's memory would never cause in the renderer). `gc` exists when the benchmark
  // starts Chromium with --expose-gc.
  api.fake.activeItems();
  (globalThis as { gc?: () => void }).gc?.();
  performance.mark('bench-seed-end');
  // As main.tsx does before the console starts, each marked for the benchmark's attribution.
  for (const task of WARM_UP_TASKS) {
    setTimeout(() => {
      performance.mark(task.name);
      task.run();
    }, 0);
  }
  // The items' ids, which the benchmark reads before it starts the console (see there).
  (window as unknown as { __benchItemIds: string[] }).__benchItemIds = [...api.fake.items.keys()];
  // `&hold=1`: the benchmark starts the console itself (`__startApp()`), once its own instrumentation
  // (Playwright's injected scripts, ~50 ms to compile in each new page) is in place.
  if (params.get('hold') === '1') (window as unknown as { __startApp: () => void }).__startApp = () => setTimeout(start, 0);
  else setTimeout(start, 0);
} else {
  start();
}

function start() {
  performance.mark('app-start');
  preview.store = mountConsole(api);
  if (params.get('live') === '1') setInterval(() => api.fake.advance(0.5), 500);
}
