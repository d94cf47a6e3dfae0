// Storage throughput of the Roboflow API emulator on loopback, measured with curl.
//
//   npx tsx test/bench/emulator-throughput.ts [--size-mb 1024] [--runs 3]
//
// Uploads a file with `curl -T` to a signed video-upload URL and downloads it back
// through its signed downloadURL, `runs` times each, and prints JSON with the
// median (MB = 10^6 bytes). For context on a shared machine it also measures a
// bare node:http server doing the same disk streaming (pipeline to/from a file),
// interleaved run by run, so `ratio` shows the emulator's own overhead.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, openSync, closeSync, statSync, writeSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator } from '../emulator/server';

const run = promisify(execFile);

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A bare server: PUT streams the body to a file, GET streams that file back. */
async function bareServer(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const target = join(dir, 'bare.bin');
  const srv = createServer({ requestTimeout: 0 }, (req, res) => {
    if (req.method === 'PUT') {
      pipeline(req, createWriteStream(target, { highWaterMark: 1 << 20 })).then(
        () => res.end(),
        () => res.destroy(),
      );
      return;
    }
    res.writeHead(200, { 'Content-Length': String(statSync(target).size) });
    pipeline(createReadStream(target, { highWaterMark: 1 << 20 }), res).catch(() => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/bare`,
    close: () => new Promise((r) => srv.close(() => r())),
  };
}

async function curlSpeed(args: string[], size: number, what: string): Promise<number> {
  const { stdout } = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_upload} %{size_download} %{time_total}', ...args]);
  const [code, upBytes, downBytes, secs] = stdout.trim().split(' ');
  if (code !== '200' || (Number(upBytes) !== size && Number(downBytes) !== size)) throw new Error(`${what} failed: ${stdout}`);
  return size / 1e6 / Number(secs);
}

async function main(): Promise<void> {
  const sizeMb = arg('--size-mb', 1024);
  const runs = arg('--runs', 3);
  const work = mkdtempSync(join(tmpdir(), 'emu-bench-'));
  const file = join(work, 'payload.bin');
  const block = randomBytes(1 << 20);
  const fd = openSync(file, 'w');
  for (let i = 0; i < sizeMb; i++) writeSync(fd, block);
  closeSync(fd);
  const size = sizeMb * (1 << 20);

  const emu = await startEmulator({ apiKeys: ['bench'], timeScale: 0, dataDir: join(work, 'data') });
  const bare = await bareServer(work);
  const base = `${emu.url}/data-staging/v1/external/sandbox/batches/bench`;
  const up: number[] = [];
  const down: number[] = [];
  const bareUp: number[] = [];
  const bareDown: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const r = await fetch(`${base}/upload/video?api_key=bench&fileName=run-${i}.mp4`, { method: 'POST' });
      const d = ((await r.json()) as { signedURLDetails: { uploadURL: string; extensionHeaders: Record<string, string> } }).signedURLDetails;
      const headers = Object.entries(d.extensionHeaders).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
      up.push(await curlSpeed(['-T', file, ...headers, d.uploadURL], size, 'upload'));
      bareUp.push(await curlSpeed(['-T', file, bare.url], size, 'bare upload'));
    }
    const list = (await (await fetch(`${base}/list?api_key=bench`)).json()) as { filesMetadata: { downloadURL: string }[] };
    for (let i = 0; i < runs; i++) {
      const url = list.filesMetadata[i % list.filesMetadata.length]!.downloadURL;
      down.push(await curlSpeed([url], size, 'download'));
      bareDown.push(await curlSpeed([bare.url], size, 'bare download'));
    }
  } finally {
    await emu.stop();
    await bare.close();
    rmSync(work, { recursive: true, force: true });
  }
  const round = (x: number) => Math.round(x);
  process.stdout.write(
    `${JSON.stringify(
      {
        bench: 'emulator-throughput',
        machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
        sizeBytes: size,
        runs,
        unit: 'MB/s (10^6 bytes per second, curl time_total)',
        upload: { runs: up.map(round), median: round(median(up)) },
        download: { runs: down.map(round), median: round(median(down)) },
        bareNodeBaseline: {
          upload: { runs: bareUp.map(round), median: round(median(bareUp)) },
          download: { runs: bareDown.map(round), median: round(median(bareDown)) },
        },
        ratio: {
          upload: Math.round((median(up) / median(bareUp)) * 100) / 100,
          download: Math.round((median(down) / median(bareDown)) * 100) / 100,
        },
        loadAverage: loadavg().map((x) => Math.round(x * 10) / 10),
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
