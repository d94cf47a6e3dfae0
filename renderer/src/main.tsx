// Entry point. The page's start-up work runs in several tasks rather than one: evaluating React DOM,
// then ICU's locale data (the first Intl object, see fast-format.ts), then the fonts the screens use
// (font-warm-up.ts), then boot.tsx (the store, the transport, the screens), which renders. As one
// module graph, evaluated as it loaded, it was one 75-135 ms task (production bundle, fresh
// Chromium) before the first frame.

import './styles.css';
import { warmUpFormatters } from './util/fast-format';
import { FONT_WARM_UP_GROUPS, warmUpFonts } from './util/font-warm-up';

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

async function start(): Promise<void> {
  await import('react-dom/client');
  await nextTask();
  warmUpFormatters();
  for (const group of FONT_WARM_UP_GROUPS) {
    await nextTask();
    warmUpFonts(group);
  }
  await import('./boot');
}

start().catch((err: unknown) => {
  // A part of the app that did not load would otherwise leave a blank window.
  document.getElementById('root')!.textContent = `Batch Desk could not start: ${String(err)}`;
});
