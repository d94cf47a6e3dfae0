// `run`, `ingest` and `process` refuse, before anything is sent, an item that repeats an unfinished
// one (operators rerun the same command after Ctrl-C instead of `batch-desk resume`: a second upload,
// a second paid job, and the old item later overwriting the same results.jsonl), and `run` refuses an
// --out inside its input folders (the next run would take the results as input). Finished items do
// not count: rerunning a finished command replaces its results, as before.

import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ItemSpec, ItemState, StageName } from '../../shared/domain';
import { CliError, type Command } from '../../main/cli/command';
import { ingestCommand } from '../../main/cli/commands/ingest';
import { processCommand } from '../../main/cli/commands/process';
import { runCommand } from '../../main/cli/commands/run';
import { ItemStore, createItemRecord } from '../../main/engine/pipeline/item-record';
import { startEmulator, type Emulator } from '../emulator/server';
import { useScratch } from '../helpers/scratch';
import { KEY, cliEnv, makeTree, readResults, spawnCli, startEmu } from './helpers';

const scratch = useScratch();

/** Runs a command in this process against the emulator; a CliError is returned, not thrown. */
async function command(emu: Emulator, cmd: Command, argv: string[], dataDir: string): Promise<{ code?: number; error?: string }> {
  const sink = new PassThrough();
  sink.resume();
  const stream = sink as unknown as NodeJS.WriteStream;
  const ctx = {
    argv: [...argv, '--api-url', emu.url, '--data-dir', dataDir, '--json'],
    stdout: stream,
    stderr: stream,
    env: cliEnv(),
    signal: new AbortController().signal,
  };
  try {
    return { code: await cmd.run(ctx) };
  } catch (err) {
    if (err instanceof CliError) return { error: err.message };
    throw err;
  }
}

/** The refusal's message; fails with the exit code when the command ran instead. */
function refusal(r: { code?: number; error?: string }): string {
  expect(r.code, 'the command ran instead of refusing').toBeUndefined();
  return r.error!;
}

/** An item left in the data folder as an earlier command left it (interrupted, paused, finished…). */
function seedItem(dataDir: string, spec: ItemSpec, state: ItemState, stage: StageName = 'processing'): string {
  const record = createItemRecord(spec);
  record.state = state;
  record.stage = stage;
  new ItemStore(dataDir).save(record);
  return record.id;
}

const itemIds = (dataDir: string) => fs.readdirSync(path.join(dataDir, 'items')).sort();
const job = { workflowId: 'wf' } as ItemSpec['job'];

describe('run, ingest and process refuse to repeat an unfinished item', () => {
  it('run: the same folders (spelled another way) as an interrupted or paused item are refused before anything is sent', async () => {
    const emu = scratch.server(await startEmu());
    const src = scratch.dir('dup-src');
    const data = scratch.dir('dup-data');
    makeTree(src, 5, { dirs: 2 });
    // The spec holds the folder with a trailing separator and a `.`: compared as resolved paths.
    const interrupted = seedItem(data, { roots: [src + path.sep + '.' + path.sep], pipeline: 'full', job, outDir: scratch.dir('dup-old-out') }, 'waiting');

    const relative = path.relative(process.cwd(), src);
    const r = await command(emu, runCommand, [relative, '--workflow-id', 'wf', '--out', scratch.dir('dup-new-out')], data);
    expect(refusal(r)).toContain(`Unfinished item ${interrupted} (`);
    expect(refusal(r)).toContain('interrupted at processing');
    expect(refusal(r)).toContain(`\`batch-desk resume ${interrupted}\``);
    expect(itemIds(data)).toEqual([interrupted]);
    expect(emu.inspect.batches()).toEqual([]);
    expect(emu.inspect.jobs()).toEqual([]);

    const data2 = scratch.dir('dup-data2');
    const paused = seedItem(data2, { roots: [src], pipeline: 'ingest', batchId: 'cams' }, 'paused', 'upload');
    const p = await command(emu, runCommand, [src, '--workflow-id', 'wf', '--out', scratch.dir('dup-new-out')], data2);
    expect(refusal(p)).toContain(`Unfinished item ${paused} (`);
    expect(refusal(p)).toContain('paused at upload');
    expect(itemIds(data2)).toEqual([paused]);
    expect(emu.inspect.batches()).toEqual([]);
  });

  it('run and process: an --out an unfinished item writes to is refused, whatever made that item', async () => {
    const emu = scratch.server(await startEmu());
    const src = scratch.dir('dup-src');
    const data = scratch.dir('dup-data');
    const out = scratch.dir('dup-out');
    makeTree(src, 5, { dirs: 2 });
    const processing = seedItem(data, { roots: [], batchId: 'elsewhere', pipeline: 'full', job: { workflowId: 'other-wf' } as ItemSpec['job'], outDir: out + path.sep }, 'running');

    const r = await command(emu, runCommand, [src, '--workflow-id', 'wf', '--out', out], data);
    expect(refusal(r)).toContain(`Unfinished item ${processing} (`);
    expect(refusal(r)).toContain('another --out');
    const p = await command(emu, processCommand, ['--batch-id', 'cams', '--workflow-id', 'wf', '--out', path.relative(process.cwd(), out)], data);
    expect(refusal(p)).toContain(`Unfinished item ${processing} (`);
    expect(refusal(p)).toContain('another --out');
    expect(itemIds(data)).toEqual([processing]);
    expect(emu.inspect.batches()).toEqual([]);
    expect(emu.inspect.jobs()).toEqual([]);
  });

  it('ingest: the same batch and folders are refused; another batch of the same folders is not', async () => {
    const emu = scratch.server(await startEmu());
    const src = scratch.dir('dup-src');
    const data = scratch.dir('dup-data');
    makeTree(src, 5, { dirs: 2 });
    const interrupted = seedItem(data, { roots: [src], batchId: 'cams', pipeline: 'ingest' }, 'running', 'upload');

    const r = await command(emu, ingestCommand, [src, '--batch-id', 'cams'], data);
    expect(refusal(r)).toContain(`Unfinished item ${interrupted} (`);
    expect(refusal(r)).toContain(`\`batch-desk resume ${interrupted}\``);
    expect(emu.inspect.batches()).toEqual([]);

    const other = await command(emu, ingestCommand, [src, '--batch-id', 'cams-2'], data);
    expect(other).toEqual({ code: 0 });
    expect(itemIds(data)).toHaveLength(2);
  });

  it('process: the same batch and Workflow are refused; another Workflow on it is not', async () => {
    const emu = scratch.server(await startEmu());
    const src = scratch.dir('dup-src');
    const data = scratch.dir('dup-data');
    makeTree(src, 5, { dirs: 2 });
    expect(await command(emu, ingestCommand, [src, '--batch-id', 'cams'], data)).toEqual({ code: 0 });
    const interrupted = seedItem(data, { roots: [], batchId: 'cams', pipeline: 'full', job, outDir: scratch.dir('dup-old-out') }, 'waiting');

    const r = await command(emu, processCommand, ['--batch-id', 'cams', '--workflow-id', 'wf', '--out', scratch.dir('dup-new-out')], data);
    expect(refusal(r)).toContain(`Unfinished item ${interrupted} (`);
    expect(refusal(r)).toContain('second job');
    expect(emu.inspect.jobs()).toEqual([]);

    const out = scratch.dir('dup-new-out');
    expect(await command(emu, processCommand, ['--batch-id', 'cams', '--workflow-id', 'wf-2', '--out', out], data)).toEqual({ code: 0 });
    expect(readResults(out)).toHaveLength(5);
  });

  it('finished items (done, failed, cancelled) with the same folders and --out do not count', async () => {
    const emu = scratch.server(await startEmu());
    const src = scratch.dir('dup-src');
    const data = scratch.dir('dup-data');
    const out = scratch.dir('dup-out');
    makeTree(src, 5, { dirs: 2 });
    for (const state of ['done', 'failed', 'cancelled'] as const) seedItem(data, { roots: [src], pipeline: 'full', job, outDir: out }, state);
    expect(await command(emu, runCommand, [src, '--workflow-id', 'wf', '--out', out], data)).toEqual({ code: 0 });
    expect(readResults(out)).toHaveLength(5);
  });

  it('run refuses an --out inside (or equal to) one of its input folders, as watch does', async () => {
    const emu = scratch.server(await startEmu());
    const src = scratch.dir('dup-src');
    const data = scratch.dir('dup-data');
    makeTree(src, 5, { dirs: 2 });
    for (const out of [path.join(src, 'results'), path.join(src, 'd0', 'sub0'), src]) {
      const r = await command(emu, runCommand, [scratch.dir('dup-first'), src, '--workflow-id', 'wf', '--out', out], data);
      expect(refusal(r)).toBe(`--out ${out} is inside the input folder ${src}: the next run of that folder would take the results as new files. Choose an --out outside ${src}.`);
    }
    expect(fs.existsSync(path.join(src, 'results'))).toBe(false);
    expect(emu.inspect.batches()).toEqual([]);
  });
});

describe('the reported case, with the real batch-desk', () => {
  it('Ctrl-C during processing, then the same command: refused with how to go on; resume finishes it; then the same command runs again', async () => {
    const emu = scratch.server(await startEmulator({ apiKeys: [KEY], timeScale: 0.05 }));
    const src = scratch.dir('dup-e2e-src');
    const data = scratch.dir('dup-e2e-data');
    const out = scratch.dir('dup-e2e-out');
    makeTree(src, 50, { dirs: 3 });
    const args = ['run', src, '--workflow-id', 'wf', '--out', out];

    const first = spawnCli(emu, args, data, scratch);
    // Interrupted while its job runs on the service.
    const end = Date.now() + 30_000;
    while (emu.inspect.jobs().length === 0 && first.child.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGINT');
    const interrupted = await first.done;
    expect(interrupted.code, interrupted.err).toBe(1);
    const [itemId] = itemIds(data);
    expect(emu.inspect.jobs()).toHaveLength(1);
    const uploads = emu.inspect.uploads().length;

    const again = await spawnCli(emu, args, data, scratch).done;
    expect(again.code).toBe(1);
    expect(again.err).toContain(`Unfinished item ${itemId} (`);
    expect(again.err).toContain(`\`batch-desk resume ${itemId}\``);
    expect(itemIds(data)).toEqual([itemId]);
    expect(emu.inspect.jobs()).toHaveLength(1);
    expect(emu.inspect.uploads()).toHaveLength(uploads);

    const resumed = await spawnCli(emu, ['resume'], data, scratch).done;
    expect(resumed.code, resumed.err).toBe(0);
    expect(readResults(out)).toHaveLength(50);

    // Finished: the same command is a new run whose results replace the old ones, as before.
    const rerun = await spawnCli(emu, args, data, scratch).done;
    expect(rerun.code, rerun.err).toBe(0);
    expect(itemIds(data)).toHaveLength(2);
    expect(emu.inspect.jobs()).toHaveLength(2);
  }, 120_000);
});
