// Behaviours an operator relies on: shards split to fit a signed URL's limits; files that change or
// vanish after planning are reported and the rest still goes; stalled transfers are retried; pause
// and resume mid-upload send nothing twice; the bandwidth cap holds; a refused key fails clearly.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import type { Rejection } from '../../shared/domain';
import { MIB } from '../../shared/limits';
import { BandwidthLimiter } from '../../main/engine/ingest/bandwidth';
import { IngestState, INGEST_JOURNAL } from '../../main/engine/ingest/ingest-journal';
import { readRejections } from '../../main/engine/ingest/item-files';
import { createIngestSteps } from '../../main/engine/ingest/steps';
import { Engine } from '../../main/engine/pipeline/engine';
import { RoboflowClient } from '../../main/engine/roboflow/client';
import { defaultSettings } from '../../main/engine/settings';
import { FAST, KEY, createEngine, expectExactlyOnce, makeTree, planEntries, runItem, startEmu, tmpDir } from './helpers';

const dirs: string[] = [];
const emus: Emulator[] = [];
afterAll(async () => {
  for (const e of emus) await e.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
async function emulator(...args: Parameters<typeof startEmu>): Promise<Emulator> {
  const e = await startEmu(...args);
  emus.push(e);
  return e;
}
function dir(label: string): string {
  const d = tmpDir(label);
  dirs.push(d);
  return d;
}

describe('ingest behaviour', () => {
  it('splits a planned shard deterministically when the signed URL allows less, and journals the split', async () => {
    // A limit of 2 MiB (smaller ones are not taken for bytes): the first shard of 100 × 50 KB needs three tars.
    const emu = await emulator(undefined, { maxTarBytes: 2 * MIB });
    const src = dir('split-src');
    makeTree(src, 120, { bytes: 50_000 });
    const engine = createEngine(emu, dir('split-data'), {}, { shardFiles: 100 });
    const s = await runItem(engine, { roots: [src], batchId: 'split-batch' });
    await engine.close();
    expect(s.state).toBe('done');
    const itemDir = engine.itemDir(s.id);
    const state = IngestState.load(itemDir);
    expect(state.splits.size).toBeGreaterThan(0);
    for (const pieces of state.splits.values()) expect(pieces.length).toBeGreaterThan(1);
    const names = (await planEntries(itemDir)).map((e) => e.batchName);
    expect(await expectExactlyOnce(emu, 'split-batch', names)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    // Every tar the storage accepted respected the limit.
    expect(emu.inspect.uploads().every((u) => (u.contentLength ?? 0) <= 2 * MIB || u.status !== 200)).toBe(true);
  });

  it('leaves out files that changed or vanished after planning, with a reason, and still sends their shard', async () => {
    const emu = await emulator();
    const src = dir('change-src');
    const files = makeTree(src, 30, { bytes: 1500 });
    const data = dir('change-data');
    const [scan, upload, indexing] = createIngestSteps(FAST);
    const settings = defaultSettings(data);
    settings.transfer.shardFiles = 10;
    const engine = new Engine({
      dataDir: data,
      client: () => RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY }),
      settings: () => settings,
      steps: [
        scan!,
        {
          stage: 'upload',
          async run(ctx) {
            // Between plan and pack: one file deleted, one rewritten with another size.
            fs.rmSync(files[3]!);
            fs.appendFileSync(files[12]!, Buffer.alloc(100));
            await upload!.run(ctx);
          },
        },
        indexing!,
      ],
    });
    const s = await runItem(engine, { roots: [src], batchId: 'change-batch' });
    await engine.close();
    expect(s.state).toBe('done');
    const itemDir = engine.itemDir(s.id);
    const rejections: Rejection[] = [];
    for await (const r of readRejections(itemDir)) rejections.push(r);
    expect(rejections.find((r) => r.sourcePath === files[3])?.reason).toBe('vanished');
    const changed = rejections.find((r) => r.sourcePath === files[12]);
    expect(changed).toMatchObject({ reason: 'changed', message: expect.stringMatching(/changed after it was planned/) });
    const entries = await planEntries(itemDir);
    const sent = entries.filter((e) => e.sourcePath !== files[3] && e.sourcePath !== files[12]).map((e) => e.batchName);
    expect(await expectExactlyOnce(emu, 'change-batch', sent)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(s.progress.files).toEqual({ done: 28, total: 28 });
    expect(s.progress.rejected).toBe(2);
  });

  it('leaves out a file that passes the checks before sending but cannot be read, and sends the rest', async () => {
    // A write-only kernel attribute: a regular 4096-byte file that root may access(R_OK) but not
    // open for reading, as a file locked by another program can be. (Not root: access() refuses it
    // and the check before sending leaves it out, with the same outcome.)
    const locked = ['/sys/bus/cpu/drivers_probe', '/sys/bus/platform/drivers_probe', '/sys/bus/pci/rescan'].find((p) => fs.existsSync(p));
    if (!locked) throw new Error('this test needs a write-only sysfs attribute such as /sys/bus/cpu/drivers_probe');
    const emu = await emulator();
    const src = dir('unreadable-src');
    const files = makeTree(src, 20);
    fs.symlinkSync(locked, path.join(src, 'locked.jpg'));
    const engine = createEngine(emu, dir('unreadable-data'), {}, { followSymlinks: true });
    const s = await runItem(engine, { roots: [src], batchId: 'unreadable-batch' });
    await engine.close();
    expect(s.error?.message).toBeUndefined();
    expect(s.state).toBe('done');
    const rejections: Rejection[] = [];
    for await (const r of readRejections(engine.itemDir(s.id))) rejections.push(r);
    expect(rejections).toEqual([{ sourcePath: path.join(src, 'locked.jpg'), reason: 'unreadable', message: expect.stringMatching(/locked\.jpg cannot be read \((EACCES|permission denied)/) }]);
    const sent = (await planEntries(engine.itemDir(s.id))).filter((e) => files.includes(e.sourcePath)).map((e) => e.batchName);
    expect(await expectExactlyOnce(emu, 'unreadable-batch', sent)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  });

  it('reports a video larger than the service accepts instead of failing the item', async () => {
    const emu = await emulator(undefined, { maxVideoBytes: 2 * MIB }); // smaller limits are not taken for bytes
    const src = dir('video-src');
    makeTree(src, 3);
    fs.writeFileSync(path.join(src, 'small.mp4'), Buffer.alloc(5_000, 1));
    fs.writeFileSync(path.join(src, 'big.mp4'), Buffer.alloc(3 * MIB, 1));
    const engine = createEngine(emu, dir('video-data'));
    const s = await runItem(engine, { roots: [src], batchId: 'video-limit' });
    await engine.close();
    expect(s.state).toBe('done');
    const rejections: Rejection[] = [];
    for await (const r of readRejections(engine.itemDir(s.id))) rejections.push(r);
    expect(rejections).toEqual([expect.objectContaining({ reason: 'too-large', sourcePath: path.join(src, 'big.mp4') })]);
    const videos = (await emu.inspect.files('video-limit-videos')) ?? [];
    expect(videos.map((f) => [f.name, f.receivedCount])).toEqual([[`${path.basename(src)}__small.mp4`, 1]]);
    expect(((await emu.inspect.files('video-limit')) ?? []).length).toBe(3);
  });

  it('gives every retry of a failed upload its own attempts, however many earlier runs used', async () => {
    // Storage answers 503 throughout: each run gives up after its 2 attempts (the journal keeps the
    // count across runs, which the per-run cap must not be taken from).
    const emu = await emulator({ rules: [{ route: 'storage-put', kind: 'status', status: 503 }] });
    const src = dir('attempts-src');
    makeTree(src, 5);
    const engine = createEngine(emu, dir('attempts-data'), { retry: { baseMs: 5, maxMs: 20, maxAttempts: 2 } });
    const puts = () => emu.inspect.requests()['storage-put']?.attempts ?? 0;
    const perRun: number[] = [];
    let before = puts();
    let s = await runItem(engine, { roots: [src], batchId: 'attempts-batch' });
    for (let run = 0; ; run++) {
      expect(s.state).toBe('failed');
      perRun.push(puts() - before);
      if (run === 3) break;
      before = puts();
      engine.retry(s.id);
      s = await engine.waitFor(s.id);
    }
    await engine.close();
    expect(perRun).toEqual([2, 2, 2, 2]);
  });

  it('aborts a stalled transfer and retries it', async () => {
    const emu = await emulator({ seed: 3, rules: [{ route: 'storage-put', kind: 'stall', ms: 20_000, rate: 0.5, times: 3 }] });
    const src = dir('stall-src');
    makeTree(src, 40, { bytes: 1000 });
    const engine = createEngine(emu, dir('stall-data'), { stallMs: 300 }, { shardFiles: 10 });
    const s = await runItem(engine, { roots: [src], batchId: 'stall-batch' });
    await engine.close();
    expect(s.state).toBe('done');
    const journal = fs.readFileSync(path.join(engine.itemDir(s.id), INGEST_JOURNAL), 'utf8');
    expect(journal).toMatch(/stalled/);
    const names = (await planEntries(engine.itemDir(s.id))).map((e) => e.batchName);
    expect(await expectExactlyOnce(emu, 'stall-batch', names)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  });

  it('pauses mid-upload and resumes without sending anything twice', async () => {
    const emu = await emulator({ seed: 5, rules: [{ route: 'storage-put', kind: 'latency', ms: 150 }] });
    const src = dir('pause-src');
    makeTree(src, 200, { bytes: 800 });
    const engine = createEngine(emu, dir('pause-data'), {}, { shardFiles: 10, concurrency: 3 });
    const item = engine.add({ pipeline: 'ingest', roots: [src], batchId: 'pause-batch' });
    await new Promise<void>((resolve) => {
      const onProgress = (e: { id: string; progress: { files: { done: number } } }) => {
        if (e.id === item.id && e.progress.files.done >= 30) {
          engine.off('progress', onProgress);
          resolve();
        }
      };
      engine.on('progress', onProgress);
    });
    expect(engine.pause(item.id).state).toBe('paused');
    await engine.waitFor(item.id);
    const half = ((await emu.inspect.files('pause-batch')) ?? []).length;
    expect(half).toBeLessThan(200);
    engine.resume(item.id);
    const s = await engine.waitFor(item.id);
    await engine.close();
    expect(s.state).toBe('done');
    const names = (await planEntries(engine.itemDir(item.id))).map((e) => e.batchName);
    expect(await expectExactlyOnce(emu, 'pause-batch', names)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  });

  it('stops with a clear message when the key is refused, keeping the plan', async () => {
    const emu = await emulator();
    const src = dir('key-src');
    makeTree(src, 5);
    const data = dir('key-data');
    const engine = new Engine({
      dataDir: data,
      steps: createIngestSteps(FAST),
      client: () => RoboflowClient.connect({ apiUrl: emu.url, apiKey: 'wrong-key', retry: { baseMs: 1, maxMs: 2, maxAttempts: 2 } }),
      settings: () => defaultSettings(data),
    });
    const s = await runItem(engine, { roots: [src], batchId: 'key-batch' });
    await engine.close();
    expect(s.state).toBe('failed');
    expect(s.stage).toBe('upload');
    expect(s.error?.code).toBe('unauthorized');
    expect(s.error?.message).toMatch(/refused the API key \(401\)/);
    // said for the app and the command line alike
    expect(s.error?.message).toMatch(/Settings › Profiles in the app, ROBOFLOW_API_KEY on the command line\.$/);
    expect(s.error?.message).not.toContain('wrong-key');
    expect((await planEntries(engine.itemDir(s.id))).length).toBe(5);
  });
});

describe('bandwidth limiter', () => {
  it('holds transfers sharing it to the cap', async () => {
    const limiter = new BandwidthLimiter(256 * 1024);
    const t0 = Date.now();
    // Two "transfers" of 384 KiB each in 64 KiB chunks share 256 KiB/s: at least ~2.5 s of budget
    // beyond the initial burst.
    await Promise.all(
      [0, 1].map(async () => {
        for (let i = 0; i < 6; i++) await limiter.take(64 * 1024);
      }),
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    const unlimited = new BandwidthLimiter(0);
    const t1 = Date.now();
    for (let i = 0; i < 100; i++) await unlimited.take(1 << 20);
    expect(Date.now() - t1).toBeLessThan(1000);
  });
});
