// The jobs commands as an operator runs them: `run` (exit 2 with a rejected file, which still gets
// its row), `process` on an existing batch, `export --job-id`, `jobs` and `logs`.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import type { Emulator } from '../emulator/server';
import { cliEnv, makeTree, readResults, startEmu } from './helpers';

const CLI = path.resolve('dist/cli.js');
let emu: Emulator | undefined;
const scratch = useScratch();

function cli(args: string[], dataDir: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args, '--api-url', emu!.url, '--data-dir', dataDir], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const records = (out: string) => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('batch-desk run / process / export / jobs / logs', () => {
  it('run exits 2 when a file was rejected, and the rejected file still has its row with the reason', async () => {
    emu = scratch.server(await startEmu());
    const root = scratch.dir('cli-src');
    const data = scratch.dir('cli-data');
    const out = scratch.dir('cli-out');
    makeTree(root, 40, { dirs: 3 });
    fs.writeFileSync(path.join(root, 'empty.png'), '');
    const r = await cli(['run', root, '--workflow-id', 'wf', '--out', out, '--job-id', 'cli-run-job', '--aggregation-format', 'csv', '--json'], data);
    expect(r.err).toBe('');
    expect(r.code).toBe(2);
    const rows = readResults(out);
    expect(rows).toHaveLength(41);
    expect(rows.filter((x) => x.status === 'ok')).toHaveLength(40);
    expect(rows.find((x) => x.sourcePath === path.join(root, 'empty.png'))).toMatchObject({ status: 'rejected', batchName: null });
    // The job was created with the CSV aggregation asked for, and its CSV predictions were parsed.
    const job = emu.inspect.jobs()[0]!;
    expect(job.jobId).toBe('cli-run-job');
    expect((job.job.jobDefinition as { processingSpecification: Record<string, unknown> }).processingSpecification.aggregationFormat).toBe('csv');
    expect(records(r.out).some((x) => typeof x.message === 'string' && /results\.jsonl/.test(x.message as string))).toBe(true);

    // `export --job-id` of the same job into another folder joins against the item's plan again.
    const again = scratch.dir('cli-out2');
    const e = await cli(['export', '--job-id', 'cli-run-job', '--out', again, '--json'], data);
    expect(e.err).toBe('');
    expect(e.code).toBe(0);
    expect(readResults(again)).toHaveLength(41);

    const jobs = await cli(['jobs', '--json'], data);
    expect(jobs.code).toBe(0);
    expect(records(jobs.out)).toEqual([expect.objectContaining({ jobId: 'cli-run-job', state: 'succeeded' })]);
    const logs = await cli(['logs', '--job-id', 'cli-run-job'], data);
    expect(logs.code).toBe(0);
    expect(logs.out).toMatch(/job-completed/);
  });

  it('process runs a job on an existing batch and writes one row per prediction', async () => {
    emu = scratch.server(await startEmu());
    const root = scratch.dir('cli-src');
    const data = scratch.dir('cli-data');
    const out = scratch.dir('cli-out');
    makeTree(root, 30, { dirs: 2 });
    const ingest = await cli(['ingest', root, '--batch-id', 'existing-batch', '--json'], data);
    expect(ingest.code).toBe(0);
    const r = await cli(['process', '--batch-id', 'existing-batch', '--workflow-id', 'wf', '--max-parallel-tasks', '2', '--json', '--out', out], data);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = readResults(out);
    expect(rows).toHaveLength(30);
    expect(rows.every((x) => x.status === 'ok' && x.sourcePath === null && x.batchName)).toBe(true);
    expect((emu.inspect.jobs()[0]!.job.jobDefinition as Record<string, unknown>).maxParallelTasks).toBe(2);
  });

  it('refuses a bad job id before anything is sent', async () => {
    emu = scratch.server(await startEmu());
    const data = scratch.dir('cli-data');
    const r = await cli(['process', '--batch-id', 'b', '--workflow-id', 'wf', '--out', data, '--job-id', 'Way_Too_Long_Job_Identifier'], data);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Job id is 27 characters long; at most 20 are allowed\./);
    expect(emu.inspect.jobs()).toEqual([]);
  });
});
