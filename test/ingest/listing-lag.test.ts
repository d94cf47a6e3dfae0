// A service that lists what it received late (the guide: counts may lag after bulk ingest), or never:
// indexing waits for every shard and video it sent instead of calling them missing, an in-doubt
// shard is not sent twice because its listing is late, and a video the service accepted but never
// listed is reported with a reason instead of counted as indexed.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import type { Emulator, FaultConfig } from '../emulator/server';
import type { Rejection } from '../../shared/domain';
import { IngestState } from '../../main/engine/ingest/ingest-journal';
import { readFileRows, readRejections } from '../../main/engine/ingest/item-files';
import { DEFAULT_TUNING } from '../../main/engine/ingest/uploader';
import { createEngine, expectExactlyOnce, makeTree, planEntries, runItem, startEmu } from './helpers';

const scratch = useScratch('all');
const emulator = async (faults: FaultConfig): Promise<Emulator> => scratch.server(await startEmu(faults));
const dir = (label: string) => scratch.dir(label);
async function rejectionsOf(itemDir: string): Promise<Rejection[]> {
  const out: Rejection[] = [];
  for await (const r of readRejections(itemDir)) out.push(r);
  return out;
}

// Longer than the 2 s the reconciliation used to wait, and than the ~8 s-at-default-polling (here
// well under a second) of unchanged rounds after which indexing used to give up.
const LAG_MS = 3000;
// The shipped tolerance for listing lag (the poll timings stay fast).
const SHIPPED = { reconcileGraceMs: DEFAULT_TUNING.reconcileGraceMs };

describe('a service that lists late', () => {
  it('indexing waits for every shard and video the service lists late: all indexed, none missing', async () => {
    const emu = await emulator({ listingLagMs: LAG_MS });
    const src = dir('lag-src');
    makeTree(src, 120, { bytes: 700 });
    fs.writeFileSync(path.join(src, 'clip.mp4'), Buffer.alloc(4000, 7));
    const engine = createEngine(emu, dir('lag-data'), SHIPPED, { shardFiles: 20 });
    const s = await runItem(engine, { roots: [src], batchId: 'lag-batch' });
    await engine.close();
    expect(s.error).toBeUndefined();
    expect(s.state).toBe('done');
    expect(await rejectionsOf(engine.itemDir(s.id))).toEqual([]);
    expect(s.progress.indexed).toEqual({ done: 121, total: 121 });
    const entries = await planEntries(engine.itemDir(s.id));
    const images = entries.filter((e) => e.kind === 'image').map((e) => e.batchName);
    expect(await expectExactlyOnce(emu, 'lag-batch', images)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(((await emu.inspect.files('lag-batch-videos')) ?? []).map((f) => f.receivedCount)).toEqual([1]);
  }, 60_000);

  it('an in-doubt shard whose PUT landed is not sent again while its listing lags', async () => {
    // The first two PUTs are stored, but their answers are lost: the client must ask the service.
    const emu = await emulator({ listingLagMs: LAG_MS, rules: [{ route: 'storage-put', kind: 'reset-after-commit', times: 2 }] });
    const src = dir('doubt-src');
    makeTree(src, 120, { bytes: 700 });
    const engine = createEngine(emu, dir('doubt-data'), SHIPPED, { shardFiles: 20 });
    const s = await runItem(engine, { roots: [src], batchId: 'doubt-batch' });
    await engine.close();
    expect(s.error).toBeUndefined();
    expect(s.state).toBe('done');
    // Six shards, each stored once: the two in doubt were found in the batch, not sent again.
    expect(emu.inspect.uploads().filter((u) => u.completed)).toHaveLength(6);
    const state = IngestState.load(engine.itemDir(s.id));
    expect([...state.pieces.values()].filter((p) => p.reconciled)).toHaveLength(2);
    await new Promise((r) => setTimeout(r, LAG_MS + 500)); // whatever was stored is listed by now
    const names = (await planEntries(engine.itemDir(s.id))).map((e) => e.batchName);
    expect(await expectExactlyOnce(emu, 'doubt-batch', names)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  }, 60_000);

  it('files of a shard the service never lists are reported as never listed after the bound, not as rejected', async () => {
    const emu = await emulator({ rules: [{ route: 'storage-put', kind: 'drop', times: 1 }] });
    const src = dir('never-src');
    makeTree(src, 60, { bytes: 700 });
    const engine = createEngine(emu, dir('never-data'), { reconcileGraceMs: 200, indexingTimeoutMs: 1500 }, { shardFiles: 20 });
    const started = Date.now();
    const s = await runItem(engine, { roots: [src], batchId: 'never-batch' });
    await engine.close();
    expect(s.state).toBe('done');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    const dropped = emu.inspect.uploads().find((u) => u.faulted === 'drop');
    expect(dropped).toBeDefined();
    const rejections = await rejectionsOf(engine.itemDir(s.id));
    expect(rejections).toHaveLength(20);
    for (const r of rejections) {
      expect(r.reason).toBe('rejected-by-service');
      expect(r.message).toMatch(/never listed/);
      expect(r.message).not.toMatch(/did not accept/);
    }
  }, 60_000);

  it('a video whose PUT was answered 200 but which the service never lists is reported, not counted as indexed', async () => {
    const emu = await emulator({ rules: [{ route: 'storage-put', kind: 'drop', times: 1 }] });
    const src = dir('video-src');
    fs.writeFileSync(path.join(src, 'a.mp4'), Buffer.alloc(3000, 1));
    fs.writeFileSync(path.join(src, 'b.mp4'), Buffer.alloc(3000, 2));
    const engine = createEngine(emu, dir('video-data'), { reconcileGraceMs: 300 });
    const s = await runItem(engine, { roots: [src], batchId: 'vdrop' });
    await engine.close();
    expect(s.state).toBe('done');
    const lost = emu.inspect.uploads().find((u) => u.faulted === 'drop')!;
    const entries = await planEntries(engine.itemDir(s.id));
    const lostEntry = entries.find((e) => e.batchName === lost.fileName)!;
    const kept = entries.find((e) => e.batchName !== lost.fileName)!;
    expect(((await emu.inspect.files('vdrop-videos')) ?? []).map((f) => f.name)).toEqual([kept.batchName]);
    const rejections = await rejectionsOf(engine.itemDir(s.id));
    expect(rejections).toEqual([{ sourcePath: lostEntry.sourcePath, reason: 'rejected-by-service', message: expect.stringMatching(/never listed/) }]);
    const rows = (await readFileRows(engine.itemDir(s.id), 0, 10)).rows;
    expect(rows.find((r) => r.sourcePath === lostEntry.sourcePath)?.state).toBe('rejected');
    expect(rows.find((r) => r.sourcePath === kept.sourcePath)?.state).toBe('indexed');
    expect(s.progress.indexed).toEqual({ done: 1, total: 2 });
  }, 60_000);
});
