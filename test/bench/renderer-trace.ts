// Where the renderer's start-up long tasks go: loads a few pages in a fresh Chromium each (a blank
// page, our stylesheet alone, our stylesheet over a static copy of the console's markup, the console
// with few and with many items), records a Chromium trace of each, and prints the main thread's
// longest tasks with what they spent their time on (style recalc, layout, paint, script, GC...).
//
//   npx tsx test/bench/renderer-trace.ts [--runs 3] [--items 10000] [--only blank,css,static,app-10,app-N] [--keep DIR]
//
// The "floor" is what Chromium costs on this machine before any of our code runs: the blank page.

import { chromium, type Browser } from '@playwright/test';
import { build } from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { waitForChromiumIdle } from './chromium-settle';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    items: { type: 'string', default: '10000' },
    only: { type: 'string' },
    /** Keep the trace files in this directory (open them in chrome://tracing or DevTools). */
    keep: { type: 'string' },
    /** Tasks at least this long are listed. */
    min: { type: 'string', default: '16' },
    /** Sample the main thread's JavaScript too (unminified build) and name each long task's hottest functions. */
    profile: { type: 'boolean', default: false },
    /** Load the page right after launch, while Chromium still starts its own UI (see chromium-settle.ts). */
    'no-settle': { type: 'boolean', default: false },
    /** Only analyse this trace file (e.g. one written by renderer-longtask.ts --trace) and exit. */
    analyse: { type: 'string' },
  },
});
const runs = Number(values.runs);
const many = Number(values.items);
const minTask = Number(values.min);
const root = path.resolve(import.meta.dirname, '../..');
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--js-flags=--expose-gc'];
const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'toplevel',
  'blink.user_timing',
  'v8',
  'disabled-by-default-v8.gc',
  'blink',
  'fonts',
  'loading',
  'disabled-by-default-devtools.timeline.stack',
  ...(values.profile ? ['disabled-by-default-v8.cpu_profiler'] : []),
];

if (values.analyse) {
  const raw = JSON.parse(fs.readFileSync(values.analyse, 'utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
  console.log(JSON.stringify({ bench: 'renderer-trace', file: values.analyse, minTaskMs: minTask, scenarios: { file: [analyse(Array.isArray(raw) ? raw : raw.traceEvents)] } }, null, 1));
  process.exit(0);
}

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-desk-trace-'));
await build({
  entryPoints: [path.join(root, 'renderer/src/dev/preview.tsx')],
  bundle: true,
  minify: !values.profile,
  keepNames: values.profile,
  format: 'iife',
  target: 'chrome120',
  jsx: 'automatic',
  outdir: outDir,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
const page = (name: string, body: string, head = '') =>
  fs.writeFileSync(path.join(outDir, name), `<!doctype html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`);
const CSS = '<link rel="stylesheet" href="preview.css">';
page('blank.html', '');
page('blank-text.html', '<p>Batch Desk</p>');
page('css.html', '<div id="root"></div>', CSS);
page('app.html', '<div id="root"></div><script src="preview.js"></script>', CSS);

const browserFor = () => chromium.launch({ executablePath: process.env.BATCH_DESK_CHROMIUM ?? '/usr/bin/chromium', args: ARGS });

// The console's markup with 10 items, captured once, served without its script.
{
  const browser = await browserFor();
  const p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await p.goto(`${pathToFileURL(path.join(outDir, 'app.html')).href}?scenario=bench&items=10`);
  await p.waitForSelector('.qrow[data-index="0"]');
  const markup = await p.evaluate(() => document.getElementById('root')!.outerHTML);
  page('static.html', markup, CSS);
  await browser.close();
}

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

/** The renderer main thread's tasks of at least `minTask` ms, each with its time by child event. */
function analyse(events: TraceEvent[]) {
  // The page's renderer, not the "WebUI Top Renderer" this Chromium also starts (its own process).
  const renderers = new Set(events.filter((e) => e.ph === 'M' && e.name === 'process_name' && (e.args as { name?: string })?.name === 'Renderer').map((e) => e.pid));
  const mains = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && (e.args as { name?: string })?.name === 'CrRendererMain' && renderers.has(e.pid));
  // The main thread that ran the most.
  let best: { pid: number; tid: number; total: number } | null = null;
  for (const m of mains) {
    const total = events.filter((e) => e.pid === m.pid && e.tid === m.tid && e.ph === 'X').reduce((a, e) => a + (e.dur ?? 0), 0);
    if (!best || total > best.total) best = { pid: m.pid, tid: m.tid, total };
  }
  if (!best) return { tasks: [] };
  const mine = events.filter((e) => e.pid === best.pid && e.tid === best.tid && e.ph === 'X' && e.dur !== undefined).sort((a, b) => a.ts - b.ts);
  const marks = events.filter((e) => e.cat.includes('blink.user_timing') && (e.ph === 'R' || e.ph === 'I' || e.ph === 'n' || e.ph === 'b'));
  const nav = events.find((e) => e.name === 'navigationStart' && e.pid === best.pid)?.ts ?? mine[0]!.ts;
  const samples = cpuSamples(events, best.pid);
  const tasks = mine.filter((e) => (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask') && e.dur! >= minTask * 1000);
  // Nested top-level task events (RunTask inside RunTask) would count twice: keep the outermost.
  const outer = tasks.filter((t) => !tasks.some((o) => o !== t && o.ts <= t.ts && o.ts + o.dur! >= t.ts + t.dur! && o.dur! > t.dur!));
  return {
    marks: Object.fromEntries(marks.map((m) => [m.name, Math.round((m.ts - nav) / 1000)])),
    tasks: outer.map((t) => {
      const inside = mine.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur! <= t.ts + t.dur!);
      // Self time per event name (an event's duration minus its children's), so nothing counts twice.
      const self = new Map<string, number>();
      const stack: TraceEvent[] = [];
      const childTime = new Map<TraceEvent, number>();
      for (const e of inside) {
        while (stack.length && stack[stack.length - 1]!.ts + stack[stack.length - 1]!.dur! <= e.ts) stack.pop();
        const parent = stack[stack.length - 1];
        if (parent) childTime.set(parent, (childTime.get(parent) ?? 0) + e.dur!);
        stack.push(e);
      }
      for (const e of inside) self.set(e.name, (self.get(e.name) ?? 0) + e.dur! - (childTime.get(e) ?? 0));
      const covered = inside.filter((e) => !inside.some((o) => o !== e && o.ts <= e.ts && o.ts + o.dur! >= e.ts + e.dur! && o.dur! > e.dur!)).reduce((a, e) => a + e.dur!, 0);
      const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
      // The first-level events with their own durations (inclusive), to read the task's shape.
      const layout = inside.filter((e) => e.name === 'Layout' || e.name === 'UpdateLayoutTree');
      const hot = new Map<string, number>();
      for (const sm of samples) if (sm.ts >= t.ts && sm.ts <= t.ts + t.dur!) hot.set(sm.fn, (hot.get(sm.fn) ?? 0) + sm.dt);
      const sum = (pred: (e: TraceEvent) => boolean) => Math.round(inside.filter(pred).reduce((a, e) => a + e.dur!, 0) / 100) / 10;
      return {
        atMs: Math.round((t.ts - nav) / 1000),
        ms: Math.round(t.dur! / 100) / 10,
        // The thread's own CPU time: the rest of `ms` it waited (descheduled on a busy machine, or on
        // synchronous IPC such as font lookups).
        cpuMs: Math.round(((t as unknown as { tdur?: number }).tdur ?? 0) / 100) / 10,
        // Inclusive times of the phases (font round trips happen inside layout).
        styleMs: sum((e) => e.name === 'UpdateLayoutTree'),
        layoutMs: sum((e) => e.name === 'Layout'),
        fontIpcMs: sum((e) => e.name === 'FontDataManager::onMatchFamilyStyle' || e.name === 'WebSandboxSupportLinux::GetWebFontRenderStyleForStrike'),
        fontLookups: inside.filter((e) => e.name === 'FontDataManager::onMatchFamilyStyle').map((e) => (e.args as { family_name?: string })?.family_name),
        paintMs: sum((e) => e.name === 'Paint' || e.name === 'PrePaint' || e.name === 'Commit' || e.name === 'Layerize'),
        scriptMs: sum((e) => e.name === 'FunctionCall' || e.name === 'EvaluateScript' || e.name === 'v8.callFunction' || e.name === 'TimerFire' || e.name === 'FireAnimationFrame'),
        gcMs: sum((e) => e.name === 'MinorGC' || e.name === 'MajorGC' || e.name === 'V8.GC_SCAVENGER' || e.name === 'V8.GCScavenger'),
        untracedMs: Math.round((t.dur! - covered) / 100) / 10,
        selfTop: top.slice(0, 5).map(([n, d]) => `${n} ${Math.round(d / 100) / 10}`).join('; '),
        ...(hot.size > 0 ? { jsSelfMs: Object.fromEntries([...hot.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([n, d]) => [n, Math.round(d / 100) / 10])) } : {}),
        layout: layout.map((e) => ({
          name: e.name,
          ms: Math.round(e.dur! / 100) / 10,
          ...(e.name === 'UpdateLayoutTree' ? { elements: (e.args as { elementCount?: number })?.elementCount } : {}),
          ...(e.name === 'Layout'
            ? { objects: ((e.args as { beginData?: { dirtyObjects?: number; totalObjects?: number } })?.beginData ?? {}).totalObjects }
            : {}),
          // What forced it, when script did (a layout read in the middle of a task).
          ...(() => {
            const stack = (e.args as { beginData?: { stackTrace?: { functionName: string; url: string; lineNumber: number }[] } })?.beginData?.stackTrace;
            return stack?.length ? { forcedBy: stack.slice(0, 4).map((f) => `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`) } : {};
          })(),
        })),
      };
    }),
  };
}

/** The sampling profiler's samples of a process's main thread: each with the function it was in. */
function cpuSamples(events: TraceEvent[], pid: number): { ts: number; dt: number; fn: string }[] {
  const out: { ts: number; dt: number; fn: string }[] = [];
  const nodes = new Map<number, string>();
  const starts = new Map<string, number>();
  for (const e of events) {
    if (e.pid !== pid) continue;
    const id = (e as unknown as { id?: string }).id ?? '';
    if (e.name === 'Profile') starts.set(id, (e.args as { data: { startTime: number } }).data.startTime);
    if (e.name !== 'ProfileChunk') continue;
    const data = (e.args as { data: { cpuProfile?: { nodes?: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples?: number[] }; timeDeltas?: number[] } }).data;
    for (const n of data.cpuProfile?.nodes ?? []) nodes.set(n.id, `${n.callFrame.functionName || '(anonymous)'} ${(n.callFrame.url ?? "").split("/").pop()}:${(n.callFrame.lineNumber ?? 0) + 1}`);
    let t = starts.get(id) ?? 0;
    const deltas = data.timeDeltas ?? [];
    (data.cpuProfile?.samples ?? []).forEach((sample, i) => {
      t += deltas[i] ?? 0;
      starts.set(id, t);
      out.push({ ts: t, dt: 0, fn: String(sample) });
    });
  }
  out.sort((a, b) => a.ts - b.ts);
  // Each sample stands for the time until the next one (capped, for gaps when the thread was idle).
  out.forEach((s, i) => (s.dt = Math.min(2000, (out[i + 1]?.ts ?? s.ts) - s.ts)));
  for (const s of out) s.fn = nodes.get(Number(s.fn)) ?? s.fn;
  return out;
}

async function traceOne(browser: Browser, url: string, waitFor: string | null, file: string) {
  const p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const settleMs = values['no-settle'] ? 0 : await waitForChromiumIdle(browser);
  await browser.startTracing(p, { path: file, categories: CATEGORIES });
  await p.goto(url);
  if (waitFor) await p.waitForSelector(waitFor, { timeout: 60_000 });
  // Let the first frames (and, for the app, the paged queue load) finish.
  await p.waitForTimeout(waitFor ? 2500 : 800);
  await browser.stopTracing();
  const long = await p.evaluate(() => performance.getEntriesByType('mark').map((m) => m.name));
  await p.close();
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(raw) ? raw : raw.traceEvents;
  return { settleMs, ...analyse(events), pageMarks: long };
}

const url = (f: string, q = '') => `${pathToFileURL(path.join(outDir, f)).href}${q}`;
const scenarios: { name: string; url: string; waitFor: string | null }[] = [
  { name: 'blank', url: url('blank.html'), waitFor: null },
  { name: 'blank-text', url: url('blank-text.html'), waitFor: null },
  { name: 'css', url: url('css.html'), waitFor: null },
  { name: 'static', url: url('static.html'), waitFor: null },
  { name: 'app-10', url: url('app.html', '?scenario=bench&items=10'), waitFor: '.qrow[data-index="0"]' },
  { name: `app-${many}`, url: url('app.html', `?scenario=bench&items=${many}`), waitFor: '.qrow[data-index="0"]' },
].filter((s) => !values.only || values.only.split(',').includes(s.name) || (values.only.includes('app-N') && s.name === `app-${many}`));

const keepDir = values.keep ? path.resolve(values.keep) : outDir;
fs.mkdirSync(keepDir, { recursive: true });
const report: Record<string, unknown[]> = {};
for (let r = 0; r < runs; r++) {
  for (const s of scenarios) {
    // A fresh browser each time: start-up costs (font lookups, first style of each kind) are paid once
    // per renderer process, as at app start.
    const browser = await browserFor();
    try {
      const result = await traceOne(browser, s.url, s.waitFor, path.join(keepDir, `${s.name}-${r}.json`));
      (report[s.name] ??= []).push(result);
    } finally {
      await browser.close();
    }
  }
}
console.log(JSON.stringify({ bench: 'renderer-trace', minTaskMs: minTask, loadAverage1m: Math.round(os.loadavg()[0]! * 10) / 10, scenarios: report }, null, 1));
if (!values.keep) fs.rmSync(outDir, { recursive: true, force: true });
