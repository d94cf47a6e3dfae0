// A burst of 100,000 files into a watched folder: how long until every file is in a batch, and the
// peak memory of the process (target: RSS under 300 MB). The engine's steps do nothing, so this
// measures the watcher, the stability checks, the journal and the batching.
// Run: npx tsx test/bench/watch-burst.ts [files] [--polling]   → prints one JSON object.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../main/engine/pipeline/engine';
import type { Step } from '../../main/engine/pipeline/step';
import { defaultSettings } from '../../main/engine/settings';
import { WatchManager } from '../../main/engine/watch/manager';

const FILES = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 100_000);
const POLLING = process.argv.includes('--polling');
const MAX_FILES = 1000;

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-watch-burst-'));
const folder = path.join(base, 'in');
const data = path.join(base, 'data');
fs.mkdirSync(folder);

let peakRss = process.memoryUsage().rss;
let peakHeap = process.memoryUsage().heapUsed;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 50);

const noop = (stage: Step['stage']): Step => ({ stage, run: async () => undefined });
const engine = new Engine({
  dataDir: data,
  steps: [noop('scan'), noop('upload'), noop('indexing'), noop('processing'), noop('export')],
  client: async () => {
    throw new Error('no service');
  },
  settings: () => defaultSettings(data),
});
const manager = new WatchManager({ dataDir: data, engine, forcePolling: POLLING, timing: { stableMs: 1000, rescanMs: 60_000 } });
await manager.start();
const w = manager.add({
  folder,
  filter: 'images',
  job: { workflowId: 'bench' },
  outDir: path.join(base, 'out'),
  rule: { quietSeconds: 2, maxFiles: MAX_FILES, maxMinutes: 60 },
  reingestChanged: false,
});
await manager.idle();

// The files come from another process, as from a camera import or a copy tool.
const writer = `
  const fs = require('fs'), path = require('path');
  const payload = Buffer.alloc(128, 1);
  for (let d = 0; d < ${FILES} / 1000; d++) {
    const dir = path.join(${JSON.stringify(folder)}, 'cam-' + String(d).padStart(3, '0'));
    fs.mkdirSync(dir);
    for (let i = 0; i < 1000; i++) fs.writeFileSync(path.join(dir, 'frame-' + String(i).padStart(4, '0') + '.jpg'), payload);
  }`;
const t0 = Date.now();
const trace = process.env.WATCH_BENCH_TRACE
  ? setInterval(() => {
      const s = manager.get(w.id);
      console.error(JSON.stringify({ t: (Date.now() - t0) / 1000, waiting: s.waitingForWrite, pending: s.pendingFiles, batches: s.batchesCreated }));
    }, 2000)
  : null;
await new Promise<void>((resolve, reject) =>
  spawn(process.execPath, ['-e', writer], { stdio: 'inherit' }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`)))),
);
const writtenAt = Date.now();

let batched = 0;
for (;;) {
  batched = engine.list().reduce((n, i) => n + i.roots.length, 0);
  if (batched >= FILES) break;
  if (Date.now() - t0 > 15 * 60_000) break;
  await new Promise((r) => setTimeout(r, 250));
}
const doneAt = Date.now();
if (trace) clearInterval(trace);
(globalThis as { gc?: () => void }).gc?.();
const liveHeap = process.memoryUsage().heapUsed;
const summary = manager.get(w.id);
const journalBytes = fs.statSync(path.join(data, 'watches', w.id, 'journal.jsonl')).size;
clearInterval(sampler);
await manager.close();
await engine.close();
const unique = new Set(engine.list().flatMap((i) => i.roots)).size;
fs.rmSync(base, { recursive: true, force: true });

console.log(
  JSON.stringify({
    bench: 'watch-burst',
    files: FILES,
    mode: POLLING ? 'polling' : summary.state,
    writeSeconds: (writtenAt - t0) / 1000,
    allBatchedSeconds: (doneAt - t0) / 1000,
    batched,
    uniqueFilesInBatches: unique,
    batches: summary.batchesCreated,
    peakRssMB: Math.round(peakRss / 1048576),
    peakHeapMB: Math.round(peakHeap / 1048576),
    liveHeapAfterGcMB: (globalThis as { gc?: unknown }).gc ? Math.round(liveHeap / 1048576) : undefined,
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    journalMB: +(journalBytes / 1048576).toFixed(1),
  }),
);
process.exit(0);
