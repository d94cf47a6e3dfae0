// Entry point. The page's start-up work runs in several tasks rather than one: evaluating React DOM,
// then the warm-ups (ICU's locale data, the fonts: warm-up.ts), then boot.tsx (the store, the
// transport, the screens), which renders. As one module graph, evaluated as it loaded, it was one
// 75-135 ms task (production bundle, fresh Chromium) before the first frame.

import './styles.css';
import { WARM_UP_TASKS } from './util/warm-up';

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

async function start(): Promise<void> {
  await import('react-dom/client');
  for (const task of WARM_UP_TASKS) {
    await nextTask();
    task.run();
  }
  await import('./boot');
}

start().catch((err: unknown) => {
  // A part of the app that did not load would otherwise leave a blank window.
  document.getElementById('root')!.textContent = `Batch Desk could not start: ${String(err)}`;
});
