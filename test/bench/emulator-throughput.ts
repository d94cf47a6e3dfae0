// Storage throughput of the Roboflow API emulator on loopback, measured with curl.
//
//   npx tsx test/bench/emulator-throughput.ts [--size-mb 1024] [--runs 3]
//
// Uploads a file with `curl -T` to a signed video-upload URL and downloads it back
// through its signed downloadURL, `runs` times each, and prints JSON with the
// median (MB = 10^6 bytes).

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, writeSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator } from '../emulator/server';

const run = promisify(execFile);

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

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
  const base = `${emu.url}/data-staging/v1/external/sandbox/batches/bench`;
  const up: number[] = [];
  const down: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const r = await fetch(`${base}/upload/video?api_key=bench&fileName=run-${i}.mp4`, { method: 'POST' });
      const d = ((await r.json()) as { signedURLDetails: { uploadURL: string; extensionHeaders: Record<string, string> } }).signedURLDetails;
      const headers = Object.entries(d.extensionHeaders).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
      const { stdout } = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_upload} %{time_total}', '-T', file, ...headers, d.uploadURL]);
      const [code, bytes, secs] = stdout.trim().split(' ');
      if (code !== '200' || Number(bytes) !== size) throw new Error(`upload failed: ${stdout}`);
      up.push(size / 1e6 / Number(secs));
    }
    const list = (await (await fetch(`${base}/list?api_key=bench`)).json()) as { filesMetadata: { downloadURL: string }[] };
    for (let i = 0; i < runs; i++) {
      const url = list.filesMetadata[i % list.filesMetadata.length]!.downloadURL;
      const { stdout } = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}', url]);
      const [code, bytes, secs] = stdout.trim().split(' ');
      if (code !== '200' || Number(bytes) !== size) throw new Error(`download failed: ${stdout}`);
      down.push(size / 1e6 / Number(secs));
    }
  } finally {
    await emu.stop();
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
