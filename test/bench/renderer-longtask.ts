// Renderer long-task benchmark: the console with 10,000 queue items while every item reports
// progress at the contract's full rate (10 events/s each = 100,000 events/s), in Chromium. The
// events travel as in web mode: through the host's ProgressBatcher, as server-sent events on
// loopback, read by the console's own web client (progress-stream.ts); invokes (the queue's pages,
// an item's detail) go to the in-page fake service. The engine is already running when the console
// starts (from a second before), so the events flow at full rate from the console's first frame.
// Measures the main thread's longest task (PerformanceObserver 'longtask', which only reports tasks
// over 50 ms) and our own figures: the longest gap between animation frames, the longest store
// flush, and the longest handling of one batch. Scrolls the list and opens an item panel while it runs.
//
//   npx tsx test/bench/renderer-longtask.ts [--items 10000] [--seconds 10] [--rate 10] [--active N]
//
// Prints one JSON object. Target: longest task < 50 ms, from app start (the queue loading page by
// page) through the run. Neither Chromium's own start-up (its omnibox WebUI renderer busies a core for
// ~2 s after launch) nor the preview page's own load overlap the measured window: see browserSettleMs
// and `hold=1` below. `renderer-trace.ts` says what each long task spent its time on.
//
// Chromium is driven over the DevTools protocol by our own client (cdp-browser.ts), not Playwright:
// Playwright enables the Network domain in every page, and with DevTools' network inspection on,
// Chromium (a) sends the driver every server-sent message in full (Network.eventSourceMessageReceived),
// which this process then parses alongside the host's stream, and (b) keeps a copy of the event-stream
// body (up to a limit of ~20 MB, inferred: the task vanished once the stream passed ~25 MB) and
// decodes it when the response ends, a 100-350 ms task of DevTools' own at the stream's end. The
// console never runs with DevTools attached, so the benchmark does not either.
//
// Loading the page is measured apart, on the production bundle (Vite's build of renderer/index.html,
// served over HTTP as the web host serves it, with no API behind it, so the console stops at its
// start-up error), in fresh browsers: pageLoadLongestTaskMs. The preview bundle above is not used
// for that figure, since it also carries the fake service and the bench's seeding.

import { build } from 'esbuild';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { build as viteBuild } from 'vite';
import { CdpBrowser } from './cdp-browser';
import { waitForChromiumIdle } from './chromium-settle';
import { startProgressStream } from './progress-stream';
import { cpuBetween, cpuSnapshot } from './cpu-accounting';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '10' },
    /** How many of the items report progress (default: all of them). */
    active: { type: 'string' },
    /** Leave out the scrolling and clicking, to separate their cost from the events'. */
    'no-interaction': { type: 'boolean', default: false },
    /** Write a Chromium performance trace of the whole page (load and run) to this file. */
    trace: { type: 'string' },
    /** Write a V8 CPU profile (.cpuprofile) of the whole page to this file; implies an unminified build. */
    profile: { type: 'string' },
    /** Load the console right after launching Chromium, while it still starts its own UI (see chromium-settle.ts). */
    'no-settle': { type: 'boolean', default: false },
    /** How many fresh browsers load the production bundle for pageLoadLongestTaskMs (0 to skip). */
    'page-loads': { type: 'string', default: '3' },
    /** How many 2,400 px scroll jumps the operator makes during the run. */
    scrolls: { type: 'string', default: '12' },
  },
});
const items = Number(values.items);
const seconds = Number(values.seconds);
const perItemRate = Number(values.rate);
const active = Math.min(items, Number(values.active ?? items));
const root = path.resolve(import.meta.dirname, '../..');

// The console over the in-memory fake API, bundled as in production (minified, React production build).
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-desk-bench-'));
await build({
  entryPoints: [path.join(root, 'renderer/src/dev/preview.tsx')],
  bundle: true,
  minify: !values.profile,
  keepNames: Boolean(values.profile),
  format: 'iife', // file:// pages cannot load module scripts
  target: 'chrome120',
  jsx: 'automatic',
  outdir: outDir,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
fs.writeFileSync(
  path.join(outDir, 'index.html'),
  `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="preview.css"></head><body><div id="root"></div><script src="preview.js"></script></body></html>`,
);

const VIEWPORT = { width: 1440, height: 900 };
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--window-size=${VIEWPORT.width},${VIEWPORT.height}`,
];

/**
 * Page load of the production bundle: each load in a fresh Chromium (once settled), since what a page
 * pays the first time in a renderer process (compiling the bundle, ICU's locale data on the first Intl
 * object) is what the operator's first load pays. Every task over 50 ms from navigation until the page
 * has been quiet for a while, by PerformanceObserver 'longtask' (buffered, so from the first task).
 */
async function measurePageLoads(loads: number): Promise<{ longestMs: number; perLoad: number[][] } | null> {
  if (loads <= 0) return null;
  const distDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-desk-bench-dist-'));
  await viteBuild({ configFile: path.join(root, 'renderer/vite.config.ts'), logLevel: 'warn', build: { outDir: distDir, emptyOutDir: true, sourcemap: false } });
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.join(distDir, rel);
    if (!file.startsWith(distDir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const perLoad: number[][] = [];
  try {
    for (let i = 0; i < loads; i++) {
      const b = await CdpBrowser.launch(CHROMIUM_ARGS);
      try {
        const p = await b.newPage(VIEWPORT);
        if (!values['no-settle']) await waitForChromiumIdle(b);
        await p.addInitScript(() => {
          const w = window as unknown as { __long: number[] };
          w.__long = [];
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) w.__long.push(e.duration);
          }).observe({ type: 'longtask', buffered: true });
        });
        await p.goto(`http://127.0.0.1:${port}/index.html`);
        // The console asks the (absent) API for its state and shows its start-up error: loaded.
        await p.waitForSelector('.boot h1', 30_000);
        await sleep(1000);
        perLoad.push(await p.evaluate(() => (window as unknown as { __long: number[] }).__long.map((d) => Math.round(d))));
      } finally {
        await b.close();
      }
    }
  } finally {
    server.close();
    fs.rmSync(distDir, { recursive: true, force: true });
  }
  return { longestMs: Math.max(0, ...perLoad.flat()), perLoad };
}
const pageLoad = await measurePageLoads(Number(values['page-loads']));

const stream = await startProgressStream();
// --expose-gc: the preview collects the fake service's seeded items in its seeding task (see preview.tsx).
const browser = await CdpBrowser.launch([...CHROMIUM_ARGS, '--js-flags=--expose-gc']);
try {
  const page = await browser.newPage(VIEWPORT);
  const browserSettleMs = values['no-settle'] ? 0 : await waitForChromiumIdle(browser);
  if (values.profile) {
    await page.send('Profiler.enable');
    await page.send('Profiler.setSamplingInterval', { interval: 250 });
    await page.send('Profiler.start');
  }
  if (values.trace) {
    await page.startTracing([
      'devtools.timeline',
      'disabled-by-default-devtools.timeline',
      'blink.user_timing',
      'v8.execute',
      'toplevel',
      'disabled-by-default-devtools.timeline.stack',
      // With --profile too, the samples go into the trace as well, so renderer-trace.ts --analyse can
      // name each long task's hottest functions.
      ...(values.profile ? ['disabled-by-default-v8.cpu_profiler'] : []),
    ]);
  }
  const errors: string[] = [];
  page.onPageError((message) => errors.push(message));

  // tsx compiles this file with esbuild's keepNames, so functions passed to the page call `__name`
  // (cdp-page.ts also puts one in scope of each evaluate; this covers what the page keeps and calls later).
  await page.addInitScript('window.__name = (f) => f;');
  // Long tasks are observed from the very first script, so the initial render of 10,000 items counts too.
  await page.addInitScript(() => {
    const w = window as unknown as { __long: { start: number; duration: number }[] };
    w.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    // What each long frame ran (Long Animation Frames: the scripts, by what invoked them, and the
    // rendering), to say what a long task was without tracing, which changes the timing.
    const f = window as unknown as { __frames: LongFrame[] };
    f.__frames = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as PerformanceEntry[] & LongFrameEntry[]) {
        f.__frames.push({
          start: e.startTime,
          duration: e.duration,
          renderMs: e.renderStart > 0 ? e.startTime + e.duration - e.renderStart : 0,
          styleLayoutMs: e.styleAndLayoutStart > 0 ? e.startTime + e.duration - e.styleAndLayoutStart : 0,
          scripts: e.scripts.map((x) => ({ invoker: x.invoker, ms: x.duration, forcedLayoutMs: x.forcedStyleAndLayoutDuration })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  });
  // The page seeds the fake service and waits (`hold=1`); the console starts when the bench says, so
  // the preview page's own load (its bundle, the fake service, the seeding) stays out of the figures.
  const url = `${pathToFileURL(path.join(outDir, 'index.html')).href}?scenario=bench&items=${items}&hold=1`;
  await page.goto(url);
  await page.waitForFunction(() => typeof (window as unknown as { __startApp?: unknown }).__startApp === 'function');
  // The items' ids, for the host's stream, read before the console starts: handing 10,000 strings to
  // this process is a task of the page's own (the protocol's serialization, 48-75 ms traced), which
  // counted against the console while the queue loaded.
  const ids = await page.evaluate((active) => (window as unknown as { __benchItemIds: string[] }).__benchItemIds.slice(0, active), active);
  // The console's progress goes through the host's stream as in web mode: its `item:progress`
  // subscription is the real web client's (which opens the EventSource as the console subscribes, at
  // its start), and its `progress:focus` is posted to the stream's batcher. Set up before it starts.
  await page.evaluate(
    ({ streamBase }) => {
      const w = window as unknown as { __bench: BenchCounters; __preview: PreviewHandles };
      const { api, webClient } = w.__preview;
      let runOver = () => {};
      const over = new Promise<void>((resolve) => (runOver = resolve));
      const bench: BenchCounters = { received: 0, batchTimes: [], focusUpdates: 0, over };
      w.__bench = bench;
      api['progress:focus'] = (args) => {
        bench.focusUpdates++;
        return fetch(`${streamBase}/api/invoke/progress:focus`, { method: 'POST', body: JSON.stringify(args) }).then((r) => r.json());
      };
      const host = webClient({ baseUrl: streamBase });
      const subscribe = api.subscribe;
      api.subscribe = ((event: string, listener: (payload: never) => void) => {
        if (event !== 'item:progress') return subscribe(event as never, listener);
        // The stream's last message.
        const offNotice = host.subscribe('notice', () => runOver());
        const offProgress = host.subscribe('item:progress', (batch: { ids: string[]; whole: unknown[] }) => {
          const t0 = performance.now();
          listener(batch as never);
          bench.received += batch.ids.length + batch.whole.length;
          bench.batchTimes.push(performance.now() - t0);
        });
        return () => {
          offNotice();
          offProgress();
        };
      }) as typeof api.subscribe;
    },
    { streamBase: stream.baseUrl },
  );
  // The engine runs before the console starts, as the host's does (the console opens on work in
  // flight): every item reports at `perItemRate` from a second before the console's start until
  // `seconds` after it.
  const ENGINE_LEAD_SECONDS = 1;
  const engineRun = stream.begin({ ids, perItemRate, seconds: ENGINE_LEAD_SECONDS + seconds });
  await sleep(ENGINE_LEAD_SECONDS * 1000);
  // This script and Chromium (cdp-browser.ts starts it as a child of this process) are measured; the
  // rest is other work.
  const cpuAtStart = cpuSnapshot([process.pid]);
  const loadStart = Date.now();
  await page.evaluate(() => (window as unknown as { __startApp: () => void }).__startApp());
  // Asked in the page at each frame, without a layout: a visibility check from here would force a
  // style and layout pass of the console in a task of the benchmark's own, while it starts.
  await page.waitForFunction(() => document.querySelector('.qrow[data-index="0"]') !== null, 60_000);
  const firstRowMs = Date.now() - loadStart;
  // Startup counts the console's tasks from 'app-start' on; the preview seeds the fake service's
  // 10,000 items before that, in a task of its own, reported apart as seedMs.
  const startup = await page.evaluate(() => {
    const at = (name: string) => performance.getEntriesByName(name)[0]?.startTime ?? 0;
    const appStart = at('app-start');
    const long = (window as unknown as { __long: { start: number; duration: number }[] }).__long;
    return {
      seedMs: Math.round(at('bench-seed-end') - at('bench-seed-start')),
      longest: Math.max(0, ...long.filter((e) => e.start + 1 >= appStart).map((e) => e.duration)),
      appStart,
      firstRowAfterAppStartMs: Math.round(performance.now() - appStart),
    };
  });
  const startupLongest = startup.longest;
  // The queue arrives page by page: the rest of it loads after the first row, while the events
  // flow. The page notes when the store holds the whole list.
  await page.evaluate(() => {
    const w = window as unknown as { __queueLoadedAt?: number; __preview: PreviewHandles };
    const store = w.__preview.store!;
    const check = () => {
      if (w.__queueLoadedAt === undefined && store.getState().queueStatus === 'ready') {
        w.__queueLoadedAt = performance.now();
        off();
      }
    };
    const off = store.subscribe(check);
    check();
  });

  // The run, from the first row until the engine stops: frame gaps and flush times measured in the page.
  const run = page.evaluate(async () => {
    const w = window as unknown as { __long: { start: number; duration: number }[]; __bench: BenchCounters; __preview: PreviewHandles };
    const store = w.__preview.store!;
    const bench = w.__bench;
    // Wrap the flush to time it (the store calls it through getState(), so patching the state works).
    const flushTimes: number[] = [];
    const original = store.getState().flushProgress;
    store.setState({
      flushProgress: () => {
        const t = performance.now();
        original();
        flushTimes.push(performance.now() - t);
      },
    });
    const start = performance.now();
    const receivedBefore = bench.received;
    const longBefore = w.__long.length;
    performance.mark('run');
    const frameGaps: number[] = [];
    let lastFrame = performance.now();
    let running = true;
    const frame = (t: number) => {
      frameGaps.push(t - lastFrame);
      lastFrame = t;
      if (running) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    await bench.over;
    running = false;
    await new Promise((r) => setTimeout(r, 300));
    const wall = (performance.now() - start) / 1000;
    const sorted = [...frameGaps].sort((a, b) => a - b);
    const long = w.__long.slice(longBefore);
    return {
      rowsReceived: bench.received,
      rowsPerSecond: Math.round((bench.received - receivedBefore) / wall),
      longTasksDuringRun: long.length,
      longestTaskDuringRunMs: Math.round(Math.max(0, ...long.map((e) => e.duration))),
      frames: frameGaps.length,
      maxFrameGapMs: Math.round(Math.max(...frameGaps)),
      p95FrameGapMs: Math.round(sorted[Math.floor(sorted.length * 0.95)] ?? 0),
      flushes: flushTimes.length,
      maxFlushMs: Math.round(Math.max(0, ...flushTimes) * 10) / 10,
      meanFlushMs: Math.round((flushTimes.reduce((a, b) => a + b, 0) / Math.max(1, flushTimes.length)) * 100) / 100,
      maxBatchHandlingMs: Math.round(Math.max(0, ...bench.batchTimes) * 10) / 10,
      focusUpdates: bench.focusUpdates,
    };
  });

  // While it runs, the operator scrolls the queue and opens an item; each action is marked so long
  // tasks can be attributed to it.
  const mark = (name: string) => page.evaluate((n) => performance.mark(n), name);
  await sleep(1500);
  if (!values['no-interaction']) {
    // The mouse rests on the list's centre, where the wheel turns.
    await page.hover('.qscroll');
    for (let i = 0; i < Number(values.scrolls); i++) {
      await mark(`scroll-${i}`);
      await page.wheel(0, 2400);
      await sleep(150);
    }
    await mark('open-item');
    await page.click('.qrow[data-index]', 3);
    await page.waitForFunction(() => document.querySelector('.panel') !== null); // no forced layout, as above
    await sleep(300);
    await mark('end-key');
    await page.press('End');
    await sleep(300);
    await mark('after');
  }
  const figures = await run;
  await engineRun;
  const made = stream.made();
  const cpu = cpuBetween(cpuAtStart, cpuSnapshot([process.pid]), [process.pid]);
  // Which action each long task followed (the newest mark before it started).
  const attribution = await page.evaluate(() => {
    const marks = performance.getEntriesByType('mark').map((m) => ({ name: m.name, t: m.startTime }));
    const long = (window as unknown as { __long: { start: number; duration: number }[] }).__long;
    const by: Record<string, { count: number; longestMs: number }> = {};
    for (const task of long) {
      // 'run': during the event flood before any action; 'after': once the actions are over.
      const before = marks.filter((m) => m.t <= task.start + 1).pop()?.name ?? 'page load (before the app)';
      const key = before.startsWith('scroll-') ? 'scroll' : before.startsWith('bench-seed') ? 'bench-seed (not the app)' : before === 'app-start' ? 'startup' : before;
      by[key] ??= { count: 0, longestMs: 0 };
      by[key].count++;
      by[key].longestMs = Math.max(by[key].longestMs, Math.round(task.duration));
    }
    return by;
  });
  // For each long task from the console's start: the long frames it was part of.
  const longTaskFrames = await page.evaluate((appStart) => {
    const w = window as unknown as { __long: { start: number; duration: number }[]; __frames: LongFrame[] };
    return w.__long
      .filter((task) => task.start + 1 >= appStart)
      .map((task) => ({
        atMs: Math.round(task.start - appStart),
        ms: Math.round(task.duration),
        frames: w.__frames
          .filter((fr) => fr.start < task.start + task.duration && fr.start + fr.duration > task.start)
          .map((fr) => ({
            atMs: Math.round(fr.start - appStart),
            ms: Math.round(fr.duration),
            renderMs: Math.round(fr.renderMs),
            styleLayoutMs: Math.round(fr.styleLayoutMs),
            scripts: fr.scripts.map((x) => `${x.invoker} ${Math.round(x.ms)}${x.forcedLayoutMs > 0 ? ` (forced layout ${Math.round(x.forcedLayoutMs)})` : ''}`),
          })),
      }));
  }, startup.appStart);
  const visibleRows = await page.count('.qrow[data-index]');
  // From app start through the whole run: the figure the target is about.
  const whole = await page.evaluate((appStart) => {
    const w = window as unknown as { __queueLoadedAt?: number; __long: { start: number; duration: number }[]; __preview: PreviewHandles };
    const long = w.__long.filter((e) => e.start + 1 >= appStart);
    const loadedAt = w.__queueLoadedAt;
    return {
      fullListMs: loadedAt === undefined ? null : Math.round(loadedAt - appStart),
      listedItems: w.__preview.store!.getState().queueIds.length,
      loadLongestTaskMs: Math.round(Math.max(0, ...long.filter((e) => loadedAt === undefined || e.start < loadedAt).map((e) => e.duration))),
      longestTaskFromAppStartMs: Math.round(Math.max(0, ...long.map((e) => e.duration))),
    };
  }, startup.appStart);
  // Measured last, so its own long task counts in none of the figures above.
  const deserialize = await page.evaluate(() => ({
    // What deserializing the whole queue as one answer would cost by itself (the fake copies
    // answers with structuredClone, as IPC would): what the console paid at once before paging.
    queueListDeserializeMs: (() => {
      const w = window as unknown as { __preview: PreviewHandles };
      const list = [...w.__preview.api.fake.items.values()];
      const t = performance.now();
      structuredClone(list);
      return Math.round(performance.now() - t);
    })(),
    // The same for one page of queue:list as the console asks for it (QUEUE_PAGE_DEFAULT items).
    queuePageDeserializeMs: (() => {
      const w = window as unknown as { __preview: PreviewHandles };
      const list = [...w.__preview.api.fake.items.values()].slice(0, 250);
      const t = performance.now();
      structuredClone(list);
      return Math.round((performance.now() - t) * 10) / 10;
    })(),
  }));
  if (values.trace) await page.stopTracing(values.trace);
  if (values.profile) fs.writeFileSync(values.profile, JSON.stringify((await page.send('Profiler.stop')).profile));

  const longestMs = Math.max(figures.longestTaskDuringRunMs, figures.maxFrameGapMs > 50 ? figures.maxFrameGapMs : 0);
  console.log(
    JSON.stringify(
      {
        bench: 'renderer-longtask',
        items,
        activeItems: active,
        perItemEventsPerSecond: perItemRate,
        targetEventsPerSecond: active * perItemRate,
        seconds,
        measured:
          'Chromium main thread of the preview console over the in-page fake API. startupLongestTaskMs: longest task from app start ' +
          'to the first row (the first queue:list page, deserialized, stored and rendered), excluding the bench seeding its fake ' +
          'service (seedMs). loadLongestTaskMs: from app start until the store holds the whole queue (fullListMs after app start; the ' +
          'later pages arrive while the run has begun). During the run: every long task (>50 ms, PerformanceObserver), including the ' +
          'web client receiving each server-sent batch of progress (EventSource) and parsing it; hostEventsPerSecond is the rate the ' +
          'host made, rowsPerSecond what reached the page after its batching; longTasksAfter attributes long tasks to the action that preceded ' +
          'them; longTaskFrames lists each long task from app start with the long animation frames it was part of (the scripts by invoker, ' +
          'and the rendering), recorded in the page without tracing. longestTaskFromAppStartMs: all of it together, the figure the target is about. The page is loaded once Chromium has ' +
          'finished starting its own UI (browserSettleMs; --no-settle to skip), and the console starts once the preview page has ' +
          'loaded and seeded its fake service; firstRowMs counts from that start. Chromium is driven over the DevTools protocol ' +
          'without the Network domain (no DevTools network inspection, as in the product). longTasksAfter\'s "page load (before the app)" is the ' +
          'preview page\'s own load (its bundle, the fake service and the seeding), not the console\'s. pageLoadLongestTaskMs: the ' +
          'longest task (>50 ms; 0 if none) while a fresh Chromium loads the production bundle (renderer/index.html built by Vite, ' +
          'over HTTP, no API behind it), over pageLoads loads, each load\'s long tasks in pageLoadLongTasksMs; not part of pass.',
        browserSettleMs,
        firstRowMs,
        firstRowAfterAppStartMs: startup.firstRowAfterAppStartMs,
        fullListMs: whole.fullListMs,
        listedItems: whole.listedItems,
        seedMs: startup.seedMs,
        queueListDeserializeMs: deserialize.queueListDeserializeMs,
        queuePageDeserializeMs: deserialize.queuePageDeserializeMs,
        startupLongestTaskMs: Math.round(startupLongest),
        loadLongestTaskMs: whole.loadLongestTaskMs,
        longestTaskFromAppStartMs: whole.longestTaskFromAppStartMs,
        pageLoads: pageLoad?.perLoad.length ?? 0,
        pageLoadLongestTaskMs: pageLoad?.longestMs ?? null,
        pageLoadLongTasksMs: pageLoad?.perLoad ?? null,
        // The engine's rate (what the host's stream made), then what reached the page once the host
        // kept each item's newest figures per batch window (rowsPerSecond, below).
        hostEventsPerSecond: Math.round(made.events / Math.max(made.seconds, 1e-9)),
        ...figures,
        renderedRows: visibleRows,
        longTasksAfter: attribution,
        longTaskFrames,
        targetMs: 50,
        longestMainThreadBlockMs: longestMs,
        pass: whole.longestTaskFromAppStartMs < 50 && whole.listedItems === items,
        // Long tasks include time the OS did not schedule Chromium; on a shared machine read them with this.
        loadAverage1m: Math.round(os.loadavg()[0]! * 10) / 10,
        // From the console's start to the end of the run, in cores: Chromium and this script
        // (chromiumCores), and everything else on the machine (otherCores, e.g. the kernel writing
        // back a previous test's files): a long task here is often a short one descheduled.
        chromiumCores: cpu.measuredCores,
        // Of which this script: the host's side (the event stream) and the DevTools client (cdp-browser.ts).
        benchProcessCores: cpu.rootCores,
        otherCores: cpu.otherCores,
        cpus: os.cpus().length,
        pageErrors: errors,
      },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  await stream.close();
  fs.rmSync(outDir, { recursive: true, force: true });
}

/** What the page keeps for the benchmark about the host's stream. */
interface BenchCounters {
  /** Item rows received from the host (each item's figures once per batch it is in). */
  received: number;
  /** How long the console took over each batch, from the web client's hand-over. */
  batchTimes: number[];
  focusUpdates: number;
  /** Settles with the stream's closing notice. */
  over: Promise<void>;
}

/** What preview.tsx exposes to the benchmark. */
interface PreviewHandles {
  api: {
    fake: { items: Map<string, { id: string }> };
    'progress:focus'(args: unknown): Promise<unknown>;
    subscribe(event: string, listener: (payload: never) => void): () => void;
  };
  store: { getState(): { flushProgress(): void; queueStatus: string; queueIds: string[] }; setState(p: unknown): void; subscribe(l: () => void): () => void } | null;
  webClient(options: { baseUrl: string }): { subscribe(event: string, listener: (payload: never) => void): () => void };
}

/** A long animation frame, as the page keeps it. */
interface LongFrame {
  start: number;
  duration: number;
  renderMs: number;
  styleLayoutMs: number;
  scripts: { invoker: string; ms: number; forcedLayoutMs: number }[];
}

/** PerformanceLongAnimationFrameTiming, which TypeScript's DOM types do not have yet. */
interface LongFrameEntry {
  startTime: number;
  duration: number;
  renderStart: number;
  styleAndLayoutStart: number;
  scripts: { invoker: string; duration: number; forcedStyleAndLayoutDuration: number }[];
}
