// Entry point. The page's start-up work runs in three tasks rather than one: evaluating React DOM,
// then ICU's locale data (the first Intl object, see fast-format.ts), then boot.tsx (the store, the
// transport, the screens), which renders. As one module graph, evaluated as it loaded, it was one
// 75-135 ms task (production bundle, fresh Chromium) before the first frame.

import './styles.css';
import { warmUpFormatters } from './util/fast-format';

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

import('react-dom/client')
  .then(nextTask)
  .then(() => {
    warmUpFormatters();
    return import('./boot');
  })
  .catch((err: unknown) => {
    // A part of the app that did not load would otherwise leave a blank window.
    document.getElementById('root')!.textContent = `Batch Desk could not start: ${String(err)}`;
  });
