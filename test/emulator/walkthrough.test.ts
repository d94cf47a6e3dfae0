// The README's operator walk-through, step by step, with the real `curl` and `tar`
// binaries against an emulator started in-process.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Emulator } from './server';
import { makePngSet } from './fixtures';
import { predictImage } from './prediction';
import { KEY, start } from './testkit';

const run = promisify(execFile);
let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await start({ timeScale: 0.01 });
  dir = mkdtempSync(join(tmpdir(), 'emu-walk-'));
});
afterAll(async () => {
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function curl(...args: string[]): Promise<string> {
  const { stdout } = await run('curl', ['-sS', '--fail-with-body', ...args], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}
const curlJson = async (...args: string[]) => JSON.parse(await curl(...args)) as Record<string, any>;

async function until<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('timed out');
}

it('walk-through: bulk upload → job → export → one prediction per image', async () => {
  const EMU = emu.url;
  const N = 40;
  const images = makePngSet(N, 'walk');
  mkdirSync(join(dir, 'images'));
  for (const img of images) writeFileSync(join(dir, 'images', img.name), img.data);

  // 1. resolve the workspace
  const WS = (await curlJson(`${EMU}/?api_key=${KEY}`)).workspace as string;
  expect(WS).toBe('sandbox');
  const DS = `${EMU}/data-staging/v1/external/${WS}/batches`;
  const BP = `${EMU}/batch-processing/v1/external/${WS}/jobs`;

  // 2. ask for a bulk-upload URL
  const url = await curlJson('-X', 'POST', `${DS}/demo-batch/bulk-upload/image-files?api_key=${KEY}`);
  const UPLOAD_URL = url.signedURLDetails.uploadURL as string;
  const RANGE = url.signedURLDetails.extensionHeaders['x-goog-content-length-range'] as string;

  // 3. PUT a (PAX) tar of the images with the extension headers
  await run('sh', ['-c', 'cd images && tar --format=pax -cf ../shard.tar *.png'], { cwd: dir });
  await curl('-T', 'shard.tar', '-H', `x-goog-content-length-range: ${RANGE}`, UPLOAD_URL);

  // 4. poll count until right
  await until(async () => ((await curlJson(`${DS}/demo-batch/count?api_key=${KEY}`)).count === N ? true : undefined));

  // 5. list shards
  const shards = (await curlJson(`${DS}/demo-batch/shards?api_key=${KEY}`)).shards as { statusType: string; shardObjectsCount: number }[];
  expect(shards).toHaveLength(1);
  expect(shards[0]).toMatchObject({ statusType: 'success', shardObjectsCount: N });

  // 6. start a job with the guide's minimal body
  const body = `{"type":"simple-image-processing-v1","jobInput":{"type":"staging-batch-input-v1","batchId":"demo-batch"},"computeConfiguration":{"type":"compute-configuration-v2"},"processingSpecification":{"type":"workflows-processing-specification-v1","workspace":"${WS}","workflowId":"wf","persistImagesOutputs":false}}`;
  await curl('-X', 'POST', '-H', 'Content-Type: application/json', '-d', body, `${BP}/demo-job?api_key=${KEY}`);

  // 7. poll until terminal, without error
  const job = await until(async () => {
    const j = (await curlJson(`${BP}/demo-job?api_key=${KEY}`)).job;
    return j.isTerminal ? j : undefined;
  });
  expect(job.error).toBe(false);

  // 8. find the export batch in the stages
  const stages = (await curlJson(`${BP}/demo-job/stages?api_key=${KEY}`)).stages as { processingStageName: string; outputBatches: string[] }[];
  const EXPORT = stages.find((s) => s.processingStageName === 'export')!.outputBatches[0]!;
  expect(EXPORT).toBe('demo-job-export');

  // 9. list its parts and files
  const parts = (await curlJson(`${DS}/${EXPORT}/parts?api_key=${KEY}`)).batchParts as { partName: string }[];
  expect(parts.map((p) => p.partName)).toEqual(['export']);
  const files = (await curlJson(`${DS}/${EXPORT}/list?api_key=${KEY}&partName=export`)).filesMetadata as { fileName: string; downloadURL: string }[];
  expect(files.length).toBeGreaterThanOrEqual(1);

  // 10. download the archives and unpack them
  for (const f of files) {
    await curl('-o', f.fileName, f.downloadURL);
    await run('tar', ['-xzf', f.fileName], { cwd: dir });
  }

  // 11. one prediction per image
  const rows = readdirSync(join(dir, 'predictions'))
    .filter((n) => n.endsWith('.jsonl'))
    .flatMap((n) => readFileSync(join(dir, 'predictions', n), 'utf8').split('\n').filter((l) => l !== ''))
    .map((l) => JSON.parse(l) as { file_name: string; predictions: unknown });
  expect(rows).toHaveLength(N);
  const expected = new Map(images.map((i) => [i.name, predictImage(i.data, i.name)]));
  expect(new Set(rows.map((r) => r.file_name))).toEqual(new Set(expected.keys()));
  for (const r of rows) expect(r.predictions).toEqual(expected.get(r.file_name));
});
