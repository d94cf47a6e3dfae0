// Ingest benchmarks against the emulator running in its own process (timeScale 0):
//   throughput: 20,000 images of ~100 KB through `batch-desk ingest` vs the raw baseline
//               `tar -cf - <dir> | curl -T - <signed url>` into the same storage route;
//   rss:        peak RSS of `batch-desk ingest` for 20,000 and 200,000 files of ~1 KB.
// Trees are generated once under /tmp and reused. Prints one JSON line (medians of --runs).
//   npx tsx test/bench/ingest.ts [--mode throughput|rss|all] [--runs 3] [--profile <dir>] [--only base|sharded|ours] [--concurrency K]
// BENCH_CLI=<path> runs another build of the CLI than dist/cli.js (A/B comparisons of two builds).
//
// Throughput figures are the same payload (the files' bytes) over each one's time, so every ratio
// is a ratio of times for the same work:
//   ours end to end: `batch-desk ingest` from spawn to exit (scan, upload, and waiting until the
//                    service has indexed every file: what an operator waits for), with the CLI's
//                    default polling; the headline ratio is this against the single-tar baseline;
//   ours upload:     first upload event to the last PUT acknowledged;
//   baseline:        one tar of the whole folder through curl, until curl exits (the emulator
//                    refuses such a shard at 500 files, so nothing is indexed: socket → disk only);
//   sharded:         tar | curl per 256-file shard, 8 at a time, until the last curl exits, and
//                    until the emulator has indexed every file.
// CPU seconds of the CLI and of the emulator are reported with them (2 cores shared by both).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makePng } from '../emulator/fixtures';
import { processCpuSeconds } from './cpu-accounting';

const KEY = 'bench-key';
const CLI = path.resolve(process.env.BENCH_CLI ?? 'dist/cli.js');
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);

function ensureTree(dir: string, files: number, bytes: number): string {
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return dir;
  const perDir = 1000;
  // A handful of distinct images of the right size, reused: content does not matter for transfer.
  const samples = Array.from({ length: 16 }, (_, i) => makePng({ width: 8, height: 8, seed: `bench${i}`, minBytes: bytes }));
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, `cam${String(Math.floor(i / perDir)).padStart(3, '0')}`);
    if (i % perDir === 0) fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `img_${String(i).padStart(6, '0')}.png`), samples[i % samples.length]!);
  }
  fs.writeFileSync(marker, String(files));
  return dir;
}

/** Diagnostics: shards in parallel for the CLI (default: the CLI's own default). */
const concurrencyArgs = process.argv.includes('--concurrency') ? ['--concurrency', arg('concurrency', '8')] : [];
/** Diagnostics: run one contender only (its figures; the others' are NaN). */
const only = arg('only', '') as '' | 'base' | 'sharded' | 'ours';
const profileDir = process.argv.includes('--profile') ? path.resolve(arg('profile', 'bench-profiles')) : null;
// node names each thread's profile CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile (main thread: 0)
const profileArgs = (_name: string) => (profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []);

/** Sum of the image files' sizes: the payload every contender moves. */
function payloadBytes(dir: string): number {
  let total = 0;
  for (const d of fs.readdirSync(dir).filter((x) => x.startsWith('cam'))) for (const f of fs.readdirSync(path.join(dir, d))) total += fs.statSync(path.join(dir, d, f)).size;
  return total;
}

async function startEmulatorProcess(): Promise<{ url: string; child: ChildProcess; dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-bench-emu-'));
  const child = spawn(process.execPath, [...profileArgs('emulator'), '--import', 'tsx', 'test/emulator/cli.ts', '--api-key', KEY, '--time-scale', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error('emulator exited')));
  });
  return { url, child, dataDir };
}

async function stop(e: { child: ChildProcess; dataDir: string }): Promise<void> {
  e.child.kill('SIGTERM');
  await new Promise((r) => e.child.once('exit', r));
  fs.rmSync(e.dataDir, { recursive: true, force: true });
}

interface CliRun {
  /** spawn → first upload event (start-up, walk, plan) */
  scanSeconds: number;
  uploadSeconds: number;
  /** last PUT acknowledged → exit (waiting for indexing) */
  indexWaitSeconds: number;
  totalSeconds: number;
  cliCpuSeconds: number;
  peakRssMb: number;
  files: number;
  bytes: number;
  code: number;
}

/**
 * Runs `batch-desk ingest` under /usr/bin/time with its default timings (as an operator runs it);
 * the phases are timed from the JSON item events.
 */
function runCli(url: string, dir: string, batchId: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-bench-data-'));
    const timeFile = path.join(data, 'time.txt');
    const t0 = Date.now();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, process.execPath, ...profileArgs('cli'), CLI, 'ingest', dir, '--batch-id', batchId, '--json', ...concurrencyArgs], {
      env: { ...process.env, ROBOFLOW_API_KEY: KEY, ROBOFLOW_API_URL: url, BATCH_DESK_DATA_DIR: data },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let uploadStart = 0;
    let uploadEnd = 0;
    let last: Record<string, unknown> = {};
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const rec = JSON.parse(line) as { type: string; item?: { stage: string } };
          if (rec.type === 'item' && rec.item?.stage === 'upload' && !uploadStart) uploadStart = Date.now();
          if (rec.type === 'item' && rec.item?.stage === 'indexing' && !uploadEnd) uploadEnd = Date.now();
          last = rec as Record<string, unknown>;
        } catch {
          // not JSON
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const tEnd = Date.now();
      const totalSeconds = (tEnd - t0) / 1000;
      const [peakKb, user, sys] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
      const progress = (last.progress ?? {}) as { files?: { done: number }; bytes?: { done: number } };
      fs.rmSync(data, { recursive: true, force: true });
      resolve({
        scanSeconds: (uploadStart - t0) / 1000,
        uploadSeconds: ((uploadEnd || tEnd) - uploadStart) / 1000,
        indexWaitSeconds: (tEnd - (uploadEnd || tEnd)) / 1000,
        totalSeconds,
        cliCpuSeconds: +(user! + sys!).toFixed(2),
        peakRssMb: Math.round(peakKb! / 1024),
        files: progress.files?.done ?? 0,
        bytes: progress.bytes?.done ?? 0,
        code: code ?? -1,
      });
    });
  });
}

/** The raw baseline: one tar of the whole folder piped into curl, to a signed URL of the same storage route. */
async function baseline(url: string, dir: string, batchId: string): Promise<{ seconds: number; bytes: number }> {
  // curl -T - would send chunked; the storage route (like GCS signed URLs) wants a Content-Length.
  const bytes = Number(execFileSync('sh', ['-c', `tar -cf - -C '${dir}' . | wc -c`], { encoding: 'utf8' }).trim());
  const res = await fetch(`${url}/data-staging/v1/external/sandbox/batches/${batchId}/bulk-upload/image-files?api_key=${KEY}`, { method: 'POST' });
  const body = (await res.json()) as { signedURLDetails: { uploadURL: string; extensionHeaders: Record<string, string> } };
  const headers = Object.entries(body.signedURLDetails.extensionHeaders).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', `tar -cf - -C '${dir}' . | curl -sS -f -T - -H 'Transfer-Encoding:' -H 'Content-Length: ${bytes}' ${headers.map((h) => `'${h}'`).join(' ')} '${body.signedURLDetails.uploadURL}'`]);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`baseline failed: ${r.stderr.toString()}`);
  return { seconds, bytes };
}

/** Members at the archive root, as the service wants them (a name with a path is rejected). */
const ROOT_NAMES = `--transform='s,^.*/,,'`;

/**
 * Baseline as the service intends bulk uploads: tar|curl per 256-file shard, 8 at a time, so the
 * emulator indexes it too: timed until the last curl exits, and until the batch counts every file.
 */
async function shardedBaseline(url: string, dir: string, batchId: string): Promise<{ seconds: number; indexedSeconds: number; bytes: number }> {
  const files: string[] = [];
  for (const d of fs.readdirSync(dir).filter((x) => x.startsWith('cam')).sort()) for (const f of fs.readdirSync(path.join(dir, d)).sort()) files.push(`${d}/${f}`);
  const lists: string[] = [];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-bench-lists-'));
  for (let i = 0; i * 256 < files.length; i++) {
    const p = path.join(work, `list${i}`);
    fs.writeFileSync(p, files.slice(i * 256, i * 256 + 256).join('\n') + '\n');
    lists.push(p);
  }
  const sizes = lists.map((l) => Number(execFileSync('sh', ['-c', `tar -cf - -C '${dir}' ${ROOT_NAMES} -T '${l}' | wc -c`], { encoding: 'utf8' }).trim()));
  const grants = await Promise.all(
    lists.map(async () => {
      const res = await fetch(`${url}/data-staging/v1/external/sandbox/batches/${batchId}/bulk-upload/image-files?api_key=${KEY}`, { method: 'POST' });
      return ((await res.json()) as { signedURLDetails: { uploadURL: string; extensionHeaders: Record<string, string> } }).signedURLDetails;
    }),
  );
  const t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < lists.length) {
        const i = next++;
        const g = grants[i]!;
        const headers = Object.entries(g.extensionHeaders).map(([k, v]) => `-H '${k}: ${v}'`).join(' ');
        await new Promise<void>((resolve, reject) => {
          const c = spawn('sh', ['-c', `tar -cf - -C '${dir}' ${ROOT_NAMES} -T '${lists[i]}' | curl -sS -f -T - -H 'Transfer-Encoding:' -H 'Content-Length: ${sizes[i]}' ${headers} '${g.uploadURL}'`], { stdio: 'ignore' });
          c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`shard ${i} failed`))));
        });
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  for (let polls = 0; ; polls++) {
    const res = await fetch(`${url}/data-staging/v1/external/sandbox/batches/${batchId}/count?api_key=${KEY}`);
    const count = ((await res.json()) as { count: number }).count;
    if (count >= files.length) break;
    if (polls > 60_000 / 20) throw new Error(`sharded baseline: only ${count} of ${files.length} files indexed after a minute`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const indexedSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  fs.rmSync(work, { recursive: true, force: true });
  return { seconds, indexedSeconds, bytes: sizes.reduce((a, b) => a + b, 0) };
}

async function throughput(runs: number): Promise<Record<string, unknown>> {
  const dir = ensureTree('/tmp/bd-bench-ingest-20k-100k', 20_000, 100_000);
  const payload = payloadBytes(dir);
  const ours: (CliRun & { emulatorCpuSeconds: number })[] = [];
  const base: { seconds: number; bytes: number; emulatorCpuSeconds: number }[] = [];
  const sharded: { seconds: number; indexedSeconds: number; bytes: number; emulatorCpuSeconds: number }[] = [];
  const loads: number[][] = [];
  for (let i = 0; i < runs; i++) {
    // A fresh emulator for each measurement, so none pays for another's indexing.
    for (const which of (['base', 'sharded', 'ours'] as const).filter((w) => !only || w === only)) {
      const emu = await startEmulatorProcess();
      loads.push(os.loadavg());
      try {
        const cpu0 = processCpuSeconds(emu.child.pid!);
        if (which === 'base') base.push({ ...(await baseline(emu.url, dir, `bench-base-${i}`)), emulatorCpuSeconds: 0 });
        else if (which === 'sharded') sharded.push({ ...(await shardedBaseline(emu.url, dir, `bench-sharded-${i}`)), emulatorCpuSeconds: 0 });
        else ours.push({ ...(await runCli(emu.url, dir, `bench-ours-${i}`)), emulatorCpuSeconds: 0 });
        const list = which === 'base' ? base : which === 'sharded' ? sharded : ours;
        list.at(-1)!.emulatorCpuSeconds = +(processCpuSeconds(emu.child.pid!) - cpu0).toFixed(2);
      } finally {
        await stop(emu);
      }
    }
  }
  loads.push(os.loadavg());
  const mbps = (seconds: number) => +(payload / seconds / 1e6).toFixed(1);
  const ratio = (baselineSeconds: number, oursSeconds: number) => +(baselineSeconds / oursSeconds).toFixed(2);
  const m = <T>(xs: T[], f: (x: T) => number) => median(xs.map(f));
  const oursTotal = m(ours, (r) => r.totalSeconds);
  const oursUpload = m(ours, (r) => r.uploadSeconds);
  const baseS = m(base, (r) => r.seconds);
  const shardS = m(sharded, (r) => r.seconds);
  const shardIdx = m(sharded, (r) => r.indexedSeconds);
  return {
    files: 20_000,
    fileBytes: 100_000,
    payloadBytes: payload,
    // headline: ours end to end against the single-tar baseline, as issue #3 states the target
    ratio: ratio(baseS, oursTotal),
    oursEndToEndMBps: mbps(oursTotal),
    oursUploadMBps: mbps(oursUpload),
    baselineMBps: mbps(baseS),
    uploadRatio: ratio(baseS, oursUpload),
    shardedBaselineMBps: mbps(shardS),
    shardedBaselineIndexedMBps: mbps(shardIdx),
    ratioVsShardedIndexed: ratio(shardIdx, oursTotal),
    uploadRatioVsSharded: ratio(shardS, oursUpload),
    seconds: {
      oursTotal,
      oursScan: m(ours, (r) => r.scanSeconds),
      oursUpload,
      oursIndexWait: m(ours, (r) => r.indexWaitSeconds),
      baseline: +baseS.toFixed(3),
      sharded: +shardS.toFixed(3),
      shardedIndexed: +shardIdx.toFixed(3),
    },
    cpuSeconds: {
      oursCli: m(ours, (r) => r.cliCpuSeconds),
      oursEmulator: m(ours, (r) => r.emulatorCpuSeconds),
      baselineEmulator: m(base, (r) => r.emulatorCpuSeconds),
      shardedEmulator: m(sharded, (r) => r.emulatorCpuSeconds),
    },
    perRun: {
      oursTotal: ours.map((r) => r.totalSeconds),
      oursUpload: ours.map((r) => r.uploadSeconds),
      baseline: base.map((r) => +r.seconds.toFixed(3)),
      shardedIndexed: sharded.map((r) => +r.indexedSeconds.toFixed(3)),
    },
    loadAverage1m: { min: +Math.min(...loads.map((l) => l[0]!)).toFixed(1), max: +Math.max(...loads.map((l) => l[0]!)).toFixed(1) },
    loadAverage: os.loadavg().map((x) => +x.toFixed(1)),
    oursPeakRssMb: m(ours, (r) => r.peakRssMb),
    filesSent: ours.map((r) => r.files),
    exitCodes: ours.map((r) => r.code),
  };
}

async function rss(runs: number): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const files of [20_000, 200_000]) {
    const dir = ensureTree(`/tmp/bd-bench-ingest-${files / 1000}k-1k`, files, 1000);
    const results: CliRun[] = [];
    for (let i = 0; i < runs; i++) {
      const emu = await startEmulatorProcess();
      try {
        results.push(await runCli(emu.url, dir, `bench-rss-${files}-${i}`));
      } finally {
        await stop(emu);
      }
    }
    out[`files${files}`] = {
      peakRssMb: median(results.map((r) => r.peakRssMb)),
      totalSeconds: median(results.map((r) => r.totalSeconds)),
      uploadSeconds: median(results.map((r) => r.uploadSeconds)),
      loadAverage: os.loadavg().map((x) => +x.toFixed(1)),
      filesSent: results[0]!.files,
      exitCodes: results.map((r) => r.code),
    };
  }
  return out;
}

const mode = arg('mode', 'all');
const runs = Number(arg('runs', '3'));
const result: Record<string, unknown> = { bench: 'ingest', runs };
if (mode === 'throughput' || mode === 'all') result.throughput = await throughput(runs);
if (mode === 'rss' || mode === 'all') result.rss = await rss(runs);
console.log(JSON.stringify(result));
