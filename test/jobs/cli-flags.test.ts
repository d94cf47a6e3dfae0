// The flags `run` shares with the others: the transfer flags of `ingest` (one definition), applied
// to the item as ingest applies them, and the job options within the console's own limits.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOB_LIMITS, VIDEO_FPS } from '../../shared/limits';
import { parseJobOptions } from '../../main/cli/job-options';
import { ItemStore } from '../../main/engine/pipeline/item-record';
import { planEntries } from '../ingest/helpers';
import { useScratch } from '../helpers/scratch';
import { makeTree, png, readResults, spawnCli, startEmu } from './helpers';

const scratch = useScratch();

describe('run flags', () => {
  it('run takes the transfer flags of ingest and applies them to its item', async () => {
    const emu = scratch.server(await startEmu());
    const root = scratch.dir('flags-src');
    const elsewhere = scratch.dir('flags-elsewhere');
    const data = scratch.dir('flags-data');
    const out = scratch.dir('flags-out');
    makeTree(root, 5, { dirs: 1 });
    fs.writeFileSync(path.join(elsewhere, 'linked.png'), png('linked'));
    fs.symlinkSync(path.join(elsewhere, 'linked.png'), path.join(root, 'linked.png'));
    const args = ['run', root, '--workflow-id', 'wf', '--out', out, '--bwlimit', '100000000', '--shard-files', '2', '--shard-bytes', '1048576', '--concurrency', '3', '--follow-symlinks'];
    const r = await spawnCli(emu, args, data, scratch).done;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);

    const [item] = new ItemStore(data).list();
    expect(item!.spec.transfer).toEqual({ bandwidthLimit: 100_000_000, shardFiles: 2, shardBytes: 1_048_576, concurrency: 3, followSymlinks: true });
    // 6 images (the link followed), 2 per shard.
    const shards = new Set((await planEntries(new ItemStore(data).itemDir(item!.id))).map((e) => e.shard));
    expect(shards.size).toBe(3);
    expect(readResults(out).find((x) => x.sourcePath === path.join(root, 'linked.png'))).toMatchObject({ status: 'ok' });
  });

  it('job options keep to the console’s limits: fractional video fps, at most 10,000 tasks and 7 days', () => {
    const job = (flags: Record<string, string>) => parseJobOptions({ 'workflow-id': 'wf', ...flags });
    expect(job({ 'max-video-fps': '2.5' }).maxVideoFps).toBe(2.5);
    expect(job({ 'max-video-fps': String(VIDEO_FPS.min) }).maxVideoFps).toBe(VIDEO_FPS.min);
    expect(() => job({ 'max-video-fps': String(VIDEO_FPS.max + 1) })).toThrow(/--max-video-fps must be a number from 0\.01 to 240/);
    expect(() => job({ 'max-video-fps': '0' })).toThrow(/--max-video-fps/);
    expect(() => job({ 'max-video-fps': 'fast' })).toThrow(/--max-video-fps/);
    expect(job({ 'max-parallel-tasks': String(JOB_LIMITS.maxParallelTasks) }).maxParallelTasks).toBe(10_000);
    expect(() => job({ 'max-parallel-tasks': String(JOB_LIMITS.maxParallelTasks + 1) })).toThrow(/--max-parallel-tasks must be a whole number from 1 to 10000/);
    expect(job({ 'max-runtime-seconds': String(7 * 24 * 3600) }).maxRuntimeSeconds).toBe(604_800);
    expect(() => job({ 'max-runtime-seconds': String(7 * 24 * 3600 + 1) })).toThrow(/--max-runtime-seconds must be a whole number from 1 to 604800/);
  });
});
