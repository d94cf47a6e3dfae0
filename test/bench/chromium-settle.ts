// Waits until a freshly launched Chromium has finished starting its own UI. This build's new
// headless mode preloads a WebUI renderer (chrome://omnibox-popup.top-chrome) that burns ~1.5 CPU-s
// over its first ~2 s; on a 2-core machine a page loaded meanwhile shares one core with it, and its
// font and IPC round trips to the busy browser process wait too. Nobody opens the console in a
// browser that is still starting (and Electron has no omnibox), so the benchmarks load their page
// once the browser's processes are idle.

import type { Browser } from '@playwright/test';
import { CdpBrowser } from './cdp-browser';

/**
 * Polls every process's CPU time until all together used < 5% of a core for two polls in a row (at
 * most `maxMs`); returns the wait. Takes our own CDP client (renderer-longtask.ts) or a Playwright
 * browser (renderer-trace.ts).
 */
export async function waitForChromiumIdle(browser: CdpBrowser | Browser, maxMs = 10_000): Promise<number> {
  // Playwright's browser needs a CDP session of its own, detached at the end.
  const playwright = browser instanceof CdpBrowser ? null : await browser.newBrowserCDPSession();
  const session = playwright ?? (browser as CdpBrowser).session;
  const start = Date.now();
  const intervalMs = 250;
  let last: number | null = null;
  let quiet = 0;
  try {
    while (Date.now() - start < maxMs) {
      const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as { processInfo: { cpuTime: number }[] };
      const total = processInfo.reduce((a, p) => a + p.cpuTime, 0);
      if (last !== null) {
        quiet = total - last < 0.05 * (intervalMs / 1000) ? quiet + 1 : 0;
        if (quiet >= 2) break;
      }
      last = total;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  } finally {
    await playwright?.detach();
  }
  return Date.now() - start;
}
