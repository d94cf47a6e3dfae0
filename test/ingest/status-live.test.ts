// `batch-desk status` beside a running ingest and after a kill -9: files and bytes sent are what the
// item's upload journal holds (item.json keeps progress only as of its last state change), an item
// no process runs any more is "interrupted" with no throughput or ETA, and a data folder that does
// not exist is said, not created.

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ItemSummary } from '../../shared/domain';
import { readRecords } from '../../main/engine/journal';
import { ItemStore, createItemRecord, type ItemRecord } from '../../main/engine/pipeline/item-record';
import { statusCommand } from '../../main/cli/commands/status';
import type { IngestRecord } from '../../main/engine/ingest/ingest-journal';
import { useScratch } from '../helpers/scratch';
import { KEY, makeTree, startEmu } from './helpers';

const CLI = path.resolve('dist/cli.js');
const scratch = useScratch();

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

type StatusItem = Omit<ItemSummary, 'state'> & { state: string; recordedState?: string };

async function statusJson(data: string): Promise<StatusItem> {
  const r = await cli(['status', '--json', '--data-dir', data], {});
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; item: StatusItem });
  expect(lines).toHaveLength(1);
  return lines[0]!.item;
}

/** Shards the item's journal says were uploaded. */
function uploadedShards(data: string): number {
  const items = path.join(data, 'items');
  const ids = fs.existsSync(items) ? fs.readdirSync(items) : [];
  if (ids.length === 0) return 0;
  const records = readRecords<IngestRecord>(path.join(items, ids[0]!, 'ingest.jsonl'));
  return new Set(records.filter((r) => r.t === 'uploaded').map((r) => r.piece)).size;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('batch-desk status beside an ingest', () => {
  it('counts the uploads the journal holds while another process ingests, and after a kill -9 says the item is interrupted', async () => {
    const emu = scratch.server(await startEmu());
    const src = scratch.dir('status-live-src');
    const data = scratch.dir('status-live-data');
    // 10 shards of 3 files, ~30 KB each, at 40 KB/s: about 8 s of upload, a shard every ~0.8 s.
    const FILES = 30;
    const PER_SHARD = 3;
    makeTree(src, FILES, { bytes: 10_000 });
    const planBytes = fs
      .readdirSync(src, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .reduce((a, e) => a + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
    const child = scratch.child(
      spawn(
        process.execPath,
        [CLI, 'ingest', src, '--batch-id', 'status-live', '--data-dir', data, '--bwlimit', '40000', '--shard-files', String(PER_SHARD), '--concurrency', '2', '--json'],
        { env: { PATH: process.env.PATH, HOME: process.env.HOME, ROBOFLOW_API_KEY: KEY, ROBOFLOW_API_URL: emu.url, BATCH_DESK_RECONCILE_GRACE_MS: '0' }, stdio: 'ignore' },
      ),
    );
    const exited = new Promise((r) => child.once('exit', r));

    // While it runs: what status says lies between the journal's count just before and just after.
    let seenMidway = false;
    const end = Date.now() + 30_000;
    while (Date.now() < end && child.exitCode === null) {
      const before = uploadedShards(data);
      if (before === 0) {
        await sleep(100);
        continue;
      }
      const item = await statusJson(data);
      const after = uploadedShards(data);
      if (child.exitCode !== null || after >= FILES / PER_SHARD) break;
      expect(item.state).toBe('running');
      expect(item.progress.files.total).toBe(FILES);
      expect(item.progress.bytes.total).toBe(planBytes);
      expect(item.progress.files.done).toBeGreaterThanOrEqual(before * PER_SHARD);
      expect(item.progress.files.done).toBeLessThanOrEqual(after * PER_SHARD);
      expect(item.progress.bytes.done).toBeGreaterThan(0);
      seenMidway = true;
      // Part-way: kill -9, as a crash or power loss would.
      if (after >= 3) break;
      await sleep(200);
    }
    expect(seenMidway).toBe(true);
    child.kill('SIGKILL');
    await exited;

    const landed = uploadedShards(data);
    expect(landed).toBeGreaterThan(0);
    expect(landed).toBeLessThan(FILES / PER_SHARD);
    const item = await statusJson(data);
    expect(item.state).toBe('interrupted');
    expect(item.recordedState).toBe('running');
    expect(item.progress.files).toEqual({ done: landed * PER_SHARD, total: FILES });
    expect(item.progress.bytes.done).toBeGreaterThan(0);
    expect(item.progress.bytes.done).toBeLessThan(planBytes);
    expect(item.progress.throughput).toBe(0);
    expect(item.progress.etaSeconds).toBeNull();

    const table = await cli(['status', '--data-dir', data], {});
    const row = table.stdout.split('\n').find((l) => l.startsWith(item.id));
    expect(row).toMatch(new RegExp(`\\s+interrupted\\s+upload\\s+${landed * PER_SHARD}/${FILES}\\s`));
    expect(table.stdout).toMatch(/^1 item\(s\) interrupted \(no process is running them\); run `batch-desk resume` to go on\.$/m);
  }, 60_000);

  it('a data folder that does not exist is reported, not created', async () => {
    const parent = scratch.dir('status-missing');
    const missing = path.join(parent, 'mistyped');
    for (const args of [['status', '--data-dir', missing], ['status', '--json', '--data-dir', missing]]) {
      const r = await cli(args, {});
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`No data folder at ${missing}`);
    }
    expect(fs.existsSync(missing)).toBe(false);
  });

  it('with a live process on the data folder, its items keep their state and throughput; paused ones show none', async () => {
    const data = scratch.dir('status-held');
    const store = new ItemStore(data);
    const save = (patch: Partial<ItemRecord>) => {
      const r = { ...createItemRecord({ roots: [], pipeline: 'ingest', batchId: 'held' }), ...patch };
      r.progress = { ...r.progress, throughput: 123_000, etaSeconds: 7 };
      store.save(r);
      return r;
    };
    const running = save({ state: 'running', stage: 'upload' });
    const paused = save({ state: 'paused', stage: 'upload' });
    const status = async () => {
      const chunks: string[] = [];
      const out = { write: (c: string) => (chunks.push(c), true) } as unknown as NodeJS.WriteStream;
      expect(await statusCommand.run({ argv: ['--json', '--data-dir', data], stdout: out, stderr: out, env: {}, signal: new AbortController().signal })).toBe(0);
      const items = chunks.join('').trim().split('\n').map((l) => (JSON.parse(l) as { item: StatusItem }).item);
      return (id: string) => items.find((i) => i.id === id)!;
    };

    // A lock as a live process on this machine leaves it (what `status` must only look at, never take).
    const holder = scratch.child(spawn('sleep', ['60']));
    const lock = JSON.stringify({ pid: holder.pid, host: os.hostname(), startedAt: new Date().toISOString() });
    fs.writeFileSync(path.join(data, 'engine.lock'), lock);
    let item = await status();
    expect(item(running.id)).toMatchObject({ state: 'running', progress: { throughput: 123_000, etaSeconds: 7 } });
    expect(item(running.id).recordedState).toBeUndefined();
    expect(item(paused.id)).toMatchObject({ state: 'paused', progress: { throughput: 0, etaSeconds: null } });
    expect(fs.readFileSync(path.join(data, 'engine.lock'), 'utf8')).toBe(lock);

    // Its process gone (the lock stays behind, as after a kill -9): interrupted, nothing moving.
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    item = await status();
    expect(item(running.id)).toMatchObject({ state: 'interrupted', recordedState: 'running', progress: { throughput: 0, etaSeconds: null } });
    expect(item(paused.id)).toMatchObject({ state: 'paused', progress: { throughput: 0, etaSeconds: null } });
    expect(fs.readFileSync(path.join(data, 'engine.lock'), 'utf8')).toBe(lock);
  });
});
