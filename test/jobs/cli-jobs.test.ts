// The jobs commands as an operator runs them: `run` (exit 2 with a rejected file, which still gets
// its row, or with files the Workflow failed on, which are listed), `process` on an existing batch,
// `export --job-id`, `jobs` and `logs`.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { acquireFolderLock } from '../../main/engine/data-dir-lock';
import type { Emulator } from '../emulator/server';
import { cliEnv, makeTree, readResults, spawnCli, startEmu } from './helpers';
import { findPredictionFiles } from '../../main/engine/export/predictions';

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
    // The results line names the job (what `logs --job-id` and `export --job-id` take) and the item.
    expect(records(r.out).find((x) => x.results)).toMatchObject({ type: 'note', id: expect.any(String), jobId: 'cli-run-job', message: expect.stringMatching(/^Results of job cli-run-job: /) });

    // `export --job-id` of the same job into another folder joins against the item's plan again.
    const again = scratch.dir('cli-out2');
    const e = await cli(['export', '--job-id', 'cli-run-job', '--out', again, '--json'], data);
    expect(e.err).toBe('');
    expect(e.code).toBe(0);
    expect(readResults(again)).toHaveLength(41);
    expect(records(e.out).find((x) => x.results)).toMatchObject({ alreadyThere: 0, message: expect.stringMatching(/^Exported \d+ file\(s\)/) });
    // the same export again: every file is there already, and it says so rather than claim a download
    const repeat = await cli(['export', '--job-id', 'cli-run-job', '--out', again], data);
    expect(repeat.code).toBe(0);
    expect(repeat.out).toMatch(/^Already exported: all \d+ file\(s\), .+ were there \(nothing downloaded\) from batch /m);
    // one export at a time into a folder (two moved each other's files away): a second is refused, naming the first
    const release = acquireFolderLock({ dir: again, file: '.batch-desk-export.lock', what: 'this folder', advice: '', operation: 'test' });
    try {
      const busy = await cli(['export', '--job-id', 'cli-run-job', '--out', again], data);
      expect(busy.code).toBe(1);
      expect(busy.err).toMatch(/Another Batch Desk process \(pid \d+, since .+\) is using the output folder .+\. Wait for that export to finish, or choose another --out\./);
      expect(busy.err).toContain(`pid ${process.pid},`);
    } finally {
      release();
    }
    // an export leaves no lock behind
    expect(fs.existsSync(path.join(again, '.batch-desk-export.lock'))).toBe(false);

    const jobs = await cli(['jobs', '--json'], data);
    expect(jobs.code).toBe(0);
    // every --json record says what it is (README)
    expect(records(jobs.out)).toEqual([expect.objectContaining({ type: 'job', jobId: 'cli-run-job', state: 'succeeded' })]);
    const logLines = await cli(['logs', '--job-id', 'cli-run-job', '--json'], data);
    expect(records(logLines.out).length).toBeGreaterThan(0);
    expect(records(logLines.out).every((x) => x.type === 'log' && x.jobId === 'cli-run-job')).toBe(true);
    const logs = await cli(['logs', '--job-id', 'cli-run-job'], data);
    expect(logs.code).toBe(0);
    expect(logs.out).toMatch(/job-completed/);
  });

  it('run, export and process exit 2 when the Workflow failed on some images, listing the first 20 with their reason', async () => {
    emu = scratch.server(await startEmu({ seed: 11, imageFailureRate: 0.8 }));
    const root = scratch.dir('cli-src');
    const data = scratch.dir('cli-data');
    const out = scratch.dir('cli-out');
    makeTree(root, 40, { dirs: 2 });
    // The job itself succeeds: a failure rate of 1 tolerates every failed image.
    const r = await cli(['run', root, '--workflow-id', 'wf', '--out', out, '--job-id', 'cli-fail-job', '--max-image-failure-rate', '1', '--json'], data);
    const failed = readResults(out).filter((x) => x.status === 'failed');
    expect(failed.length).toBeGreaterThan(20);
    expect(r.code).toBe(2);
    const listed = r.err.split('\n').filter((l) => l.startsWith('  /'));
    expect(listed).toHaveLength(20);
    for (const l of listed) expect(l).toMatch(/^  \/\S+\.png: Workflow execution failed for \S+ \(injected failure\)$/);
    expect(listed[0]).toBe(`  ${failed[0]!.sourcePath}: ${failed[0]!.reason}`);
    expect(r.err).toContain(`The Workflow failed on ${failed.length} file(s)`);
    expect(r.err).toContain(`… and ${failed.length - 20} more, listed in ${path.join(out, 'results.jsonl')}.`);
    const recs = records(r.out);
    expect(recs.find((x) => x.workflowFailures)).toMatchObject({ workflowFailures: { count: failed.length, listed: 20 } });
    expect(recs.filter((x) => x.workflowFailure).map((x) => x.workflowFailure)).toEqual(failed.slice(0, 20));

    // `export` of the same job reports the same failures the same way.
    const e = await cli(['export', '--job-id', 'cli-fail-job', '--out', scratch.dir('cli-out2')], data);
    expect(e.code).toBe(2);
    expect(e.err).toContain(`The Workflow failed on ${failed.length} file(s)`);
    expect(e.err).toContain(`  ${failed[0]!.sourcePath}: ${failed[0]!.reason}`);

    // So does `process` on the same batch: no plan there, so the files are named as in the batch.
    const batchId = recs.find((x) => typeof x.batchId === 'string')!.batchId as string;
    const p = await cli(['process', '--batch-id', batchId, '--workflow-id', 'wf', '--out', scratch.dir('cli-out3'), '--max-image-failure-rate', '1'], data);
    expect(p.code).toBe(2);
    expect(p.err).toContain(`The Workflow failed on ${failed.length} file(s)`);
    const byBatchName = new Set(failed.map((x) => `  ${x.batchName}: ${x.reason}`));
    const listedByProcess = p.err.split('\n').filter((l) => l.startsWith('  ') && !l.startsWith('  …'));
    expect(listedByProcess).toHaveLength(20);
    expect(listedByProcess.every((l) => byBatchName.has(l))).toBe(true);
  });

  it('with the CSV aggregation, files the Workflow failed on (`name,` rows) are failed, listed, and exit 2', async () => {
    emu = scratch.server(await startEmu({ seed: 11, imageFailureRate: 0.5 }));
    const root = scratch.dir('cli-src');
    const data = scratch.dir('cli-data');
    const out = scratch.dir('cli-out');
    makeTree(root, 40, { dirs: 2 });
    const r = await cli(['run', root, '--workflow-id', 'wf', '--out', out, '--job-id', 'cli-csv-fail', '--aggregation-format', 'csv', '--max-image-failure-rate', '1'], data);
    expect(r.code).toBe(2);
    const rows = readResults(out);
    const failed = rows.filter((x) => x.status === 'failed');
    expect(failed.length).toBeGreaterThan(5);
    expect(rows.filter((x) => x.status === 'ok').every((x) => x.prediction)).toBe(true);
    expect(failed.every((x) => x.reason === 'no prediction returned' && x.prediction === undefined)).toBe(true);
    expect(r.err).toContain(`The Workflow failed on ${failed.length} file(s)`);
    expect(r.err).toContain(`  ${failed[0]!.sourcePath}: no prediction returned`);
  });

  it('export exits 2 and lists the files left without a prediction when the prediction rows cannot be read', async () => {
    emu = scratch.server(await startEmu());
    const root = scratch.dir('cli-src');
    const data = scratch.dir('cli-data');
    const out = scratch.dir('cli-out');
    makeTree(root, 40, { dirs: 2 });
    const r = await cli(['run', root, '--workflow-id', 'wf', '--out', scratch.dir('cli-run-out'), '--job-id', 'cli-missing'], data);
    expect(r.code).toBe(0);
    const first = await cli(['export', '--job-id', 'cli-missing', '--out', out], data);
    expect(first.code).toBe(0);
    // The predictions as another service might write them: a name column Batch Desk does not know,
    // and a line that is not JSON (sizes kept, so exporting again keeps these files).
    const files = findPredictionFiles(path.join(out, 'export'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8').replaceAll('"file_name"', '"file_nome"');
      fs.writeFileSync(f, `#${text.slice(1)}`);
    }

    const e = await cli(['export', '--job-id', 'cli-missing', '--out', out, '--json'], data);
    const missing = readResults(out).filter((x) => x.status === 'missing');
    expect(missing).toHaveLength(40);
    expect(e.code).toBe(2);
    const results = path.join(out, 'results.jsonl');
    expect(e.err).toContain(`40 file(s) have no prediction in the export; they have no result (status "missing" in ${results}):`);
    const listed = e.err.split('\n').filter((l) => l.startsWith('  /'));
    expect(listed).toHaveLength(20);
    expect(listed[0]).toBe(`  ${missing[0]!.sourcePath}: no prediction in the export`);
    expect(e.err).toContain(`… and 20 more, listed in ${results}.`);
    expect(e.err).toContain(`warning: 40 prediction row(s) in ${path.join(out, 'export')} could not be read`);
    const recs = records(e.out);
    expect(recs.find((x) => x.results)).toMatchObject({ results: { missing: 40, unreadable: 40 } });
    expect(recs.find((x) => x.unreadablePredictions)).toMatchObject({ unreadablePredictions: { count: 40 } });
    expect(recs.find((x) => x.missingResults)).toMatchObject({ missingResults: { count: 40, listed: 20, results } });
    expect(recs.filter((x) => x.missingResult).map((x) => x.missingResult)).toEqual(missing.slice(0, 20));
  });

  it('resume of a run killed while its job ran lists the files the Workflow failed on and exits 2, as the run would have', async () => {
    emu = scratch.server(await startEmu({ seed: 11, imageFailureRate: 0.8 }));
    const root = scratch.dir('cli-src');
    const data = scratch.dir('cli-data');
    const out = scratch.dir('cli-out');
    makeTree(root, 40, { dirs: 2 });
    const first = spawnCli(emu, ['run', root, '--workflow-id', 'wf', '--out', out, '--job-id', 'cli-resume-job', '--max-image-failure-rate', '1'], data, scratch);
    const end = Date.now() + 30_000;
    while (emu.inspect.jobs().length === 0) {
      if (first.child.exitCode !== null || Date.now() > end) throw new Error(`the run never started its job: ${(await first.done).out}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    first.child.kill('SIGKILL');
    await first.done;

    const resumed = await spawnCli(emu, ['resume'], data, scratch).done;
    const failed = readResults(out).filter((x) => x.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(resumed.code).toBe(2);
    expect(resumed.err).toContain(`The Workflow failed on ${failed.length} file(s)`);
    expect(resumed.err).toContain(`  ${failed[0]!.sourcePath}: ${failed[0]!.reason}`);
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
    // It sent nothing, so it does not say "0 file(s) sent to batch".
    expect(r.out).not.toMatch(/file\(s\) sent to batch/);
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
