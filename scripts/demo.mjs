// `npm run demo`: Batch Desk offline, end to end. Generates ~300 sample images, starts the Roboflow
// API emulator and `batch-desk serve` against it with a fresh data folder, and prints the URL to
// open and the folder to add. Nothing leaves this machine. Ctrl-C stops both.
// With --pipeline it runs the whole pipeline headless instead (`batch-desk run`: ingest, job,
// export, results joined back) and prints where the results are.
//   node scripts/demo.mjs [--port <n>] [--open] [--images <n>] [--pipeline]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    open: { type: 'boolean', default: false },
    images: { type: 'string', default: '300' },
    pipeline: { type: 'boolean', default: false },
  },
});
const DEMO_KEY = 'demo-offline-key';
const imageCount = Math.max(1, Math.min(100_000, Number(values.images) || 300));

if (!fs.existsSync(path.join(root, 'dist', 'cli.js'))) {
  console.error('dist/cli.js is missing: run `npm run demo` (it builds first) or `npm run build`.');
  process.exit(1);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-desk-demo-'));
const samples = path.join(work, 'samples');
const dataDir = path.join(work, 'data');
const made = writeSamples(samples, imageCount);

const children = [];
let stopping = false;
const stop = (code = 0) => {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
};
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const env = { ...process.env };
delete env.ROBOFLOW_API_KEY; // the demo never uses a real key

const emulatorUrl = await startPrinting(
  process.execPath,
  [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'test/emulator/cli.ts', '--port', '0', '--api-key', DEMO_KEY, '--workspace', 'demo', '--time-scale', '0.2'],
  env,
  /listening on (http:\/\/\S+)/,
  'the emulator',
);
if (values.pipeline) await runPipeline(emulatorUrl);

const serveArgs = ['dist/cli.js', 'serve', '--port', String(values.port), '--data-dir', dataDir, ...(values.open ? ['--open'] : [])];
const appUrl = await startPrinting(
  process.execPath,
  serveArgs,
  { ...env, ROBOFLOW_API_URL: emulatorUrl, BATCH_DESK_DEMO_API_URL: emulatorUrl, BATCH_DESK_DEMO_API_KEY: DEMO_KEY },
  /running at (http:\/\/\S+)/,
  'batch-desk serve',
);

console.log(`
Batch Desk demo — offline, against the bundled Roboflow API emulator

  Open:      ${appUrl}
  Samples:   ${samples}
             ${made.images} images in ${made.folders} folders, plus ${made.rejects} files that will be rejected (with reasons)
  Data:      ${dataDir}

In the app: choose "Try the offline demo", then add the samples folder by its path.
Any Workflow id works against the emulator (e.g. demo-workflow); results land in the output folder.
Press Ctrl-C to stop. The demo folder stays for you to look at: ${work}
`);

/** The main job headless: `batch-desk run` on the samples, then a look at the joined results. */
async function runPipeline(apiUrl) {
  const out = path.join(work, 'results');
  console.log(`Batch Desk demo: the whole pipeline on ${made.images} sample images, against the bundled emulator\n`);
  const run = spawn(
    process.execPath,
    ['dist/cli.js', 'run', samples, '--workflow-id', 'demo-workflow', '--out', out, '--data-dir', dataDir],
    { cwd: root, env: { ...env, ROBOFLOW_API_KEY: DEMO_KEY, ROBOFLOW_API_URL: apiUrl }, stdio: 'inherit' },
  );
  const code = await new Promise((resolve) => run.on('exit', (c) => resolve(c ?? 1)));
  const results = path.join(out, 'results.jsonl');
  const rows = fs.existsSync(results) ? fs.readFileSync(results, 'utf8').split('\n').filter(Boolean) : [];
  console.log(`
  Results:   ${results} (${rows.length} rows, one per source file) and results.csv beside it
  Samples:   ${samples}
  Exit code: ${code}${code === 2 ? ' (finished; the demo plants ' + made.rejects + ' files that are rejected on purpose)' : ''}
`);
  // 2 is the expected outcome here: every image in, the planted bad files rejected with reasons.
  stopping = true;
  await Promise.all(children.map((c) => (c.exitCode === null ? (c.kill('SIGTERM'), new Promise((r) => c.once('exit', r))) : null)));
  process.exit(code === 0 || code === 2 ? 0 : 1);
}

/** Starts a child and resolves with the first capture of `pattern` on its stdout. */
function startPrinting(cmd, args, childEnv, pattern, label) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      const m = pattern.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => (out += c));
    child.on('exit', (code) => {
      if (stopping) return;
      if (!pattern.test(out)) {
        console.error(`${label} stopped before it was ready (exit ${code}):\n${out}`);
        reject(new Error(`${label} failed`));
        stop(1);
      } else if (code !== null && code !== 0) {
        console.error(`${label} exited with ${code}`);
        stop(1);
      }
    });
  });
}

/** Sample images: small PNGs with distinct content, spread over three "camera" folders. */
function writeSamples(dir, count) {
  const folders = ['camera-a', 'camera-b', 'camera-c/night'];
  for (const f of folders) fs.mkdirSync(path.join(dir, f), { recursive: true });
  for (let i = 0; i < count; i++) {
    const folder = folders[i % folders.length];
    fs.writeFileSync(path.join(dir, folder, `frame-${String(i).padStart(4, '0')}.png`), png(32 + (i % 5) * 8, 24 + (i % 3) * 8, i));
  }
  fs.writeFileSync(path.join(dir, 'camera-a', 'truncated.png'), ''); // empty: rejected
  fs.writeFileSync(path.join(dir, 'camera-b', 'notes.txt'), 'not an image\n'); // unsupported type: rejected
  return { images: count, folders: folders.length, rejects: 2 };
}

function png(width, height, seed) {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * (width * 3 + 1) + 1 + x * 3;
      raw[o] = (seed * 37 + x * 5) & 0xff;
      raw[o + 1] = (seed * 11 + y * 7) & 0xff;
      raw[o + 2] = (x * y + seed) & 0xff;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
