// What the command line says about items, in text and with --json: `process` does not claim it sent
// files, `status` names each item's job and expiry and prints JSON lines, `run`'s results line names
// the job, every --json record about an item carries `type` and `id`, `resume` lists paused items
// with the command that resumes them, and --help gives the data folder's default.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ItemSpec, ItemSummary } from '../../shared/domain';
import { writeJsonAtomic } from '../../main/engine/atomic-file';
import { RESULTS_META, type JoinSummary } from '../../main/engine/export/results-join';
import { ItemStore, createItemRecord, toSummary, type ItemRecord } from '../../main/engine/pipeline/item-record';
import { GLOBAL_USAGE, defaultDataDir, type CliContext } from '../../main/cli/command';
import { statusCommand } from '../../main/cli/commands/status';
import { resumeCommand } from '../../main/cli/commands/resume';
import { createProgressDisplay } from '../../main/cli/progress-display';
import { reportJobOutcome } from '../../main/cli/run-item';
import { useScratch } from '../helpers/scratch';
import { KEY, makeTree, startEmu } from './helpers';

const scratch = useScratch();

function sink() {
  const chunks: string[] = [];
  const out = { isTTY: false, columns: 200, write: (s: string) => (chunks.push(String(s)), true) } as unknown as NodeJS.WriteStream;
  return { out, text: () => chunks.join('') };
}

function ctx(argv: string[], stdout: NodeJS.WriteStream, env: NodeJS.ProcessEnv = {}): CliContext {
  return { argv, stdout, stderr: sink().out, env, signal: new AbortController().signal };
}

const jsonLines = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

/** A record saved in `dataDir` as the engine would leave it. */
function saveItem(dataDir: string, patch: Partial<ItemRecord>, spec: ItemSpec = { roots: [], pipeline: 'full', job: { workflowId: 'wf' }, outDir: path.join(dataDir, 'out') }): ItemRecord {
  const r = { ...createItemRecord(spec), ...patch };
  new ItemStore(dataDir).save(r);
  return r;
}

function doneSummary(dataDir: string, patch: Partial<ItemRecord>): ItemSummary {
  const r = saveItem(dataDir, { state: 'done', stage: 'done', jobId: 'job-abc123', ...patch });
  for (const s of Object.keys(r.stages) as (keyof typeof r.stages)[]) if (r.stages[s] !== 'skipped') r.stages[s] = 'done';
  return toSummary(r);
}

describe('command line output', () => {
  it('process (nothing uploaded) does not report "0 file(s) sent"; run names the job beside its results', async () => {
    const data = scratch.dir('out-data');
    const results: JoinSummary = { rows: 3, ok: 3, failed: 0, rejected: 0, missing: 0, unmatched: 0, unreadable: 0, buckets: 1 };

    const processed = doneSummary(data, {});
    processed.stages.scan = processed.stages.upload = processed.stages.indexing = 'skipped';
    fs.mkdirSync(processed.outDir!, { recursive: true });
    writeJsonAtomic(path.join(processed.outDir!, RESULTS_META), results);
    const text = sink();
    const code = await reportJobOutcome(processed, new ItemStore(data).itemDir(processed.id), createProgressDisplay(text.out, { json: false }), sink().out, false);
    expect(code).toBe(0);
    expect(text.text()).not.toMatch(/sent to batch/);
    expect(text.text()).toMatch(/^Results of job job-abc123: \S+results\.jsonl — 3 row\(s\)/m);

    // An ingest still says what it sent.
    const ingested = doneSummary(data, { jobId: undefined, outDir: undefined });
    const ingestText = sink();
    await reportJobOutcome(ingested, new ItemStore(data).itemDir(ingested.id), createProgressDisplay(ingestText.out, { json: false }), sink().out, false);
    expect(ingestText.text()).toMatch(/0 file\(s\) sent to batch/);

    // With --json every record of the outcome names the item by `id`; none uses `item` for an id.
    const json = sink();
    await reportJobOutcome(processed, new ItemStore(data).itemDir(processed.id), createProgressDisplay(json.out, { json: true }), sink().out, true);
    const records = jsonLines(json.text());
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) expect(r).toMatchObject({ type: 'note', id: processed.id });
    expect(records.some((r) => 'item' in r)).toBe(false);
    expect(records.find((r) => r.results)).toMatchObject({ id: processed.id, jobId: 'job-abc123' });
  });

  it('a failure is said on stderr as a sentence, then what to do; with --json it is a record on stdout', async () => {
    const data = scratch.dir('failed');
    const r = saveItem(data, { state: 'failed', stage: 'processing', error: { code: 'network', message: 'get job: could not reach the service (ECONNREFUSED)' } });
    const out = sink();
    const err = sink();
    const code = await reportJobOutcome(toSummary(r), new ItemStore(data).itemDir(r.id), createProgressDisplay(out.out, { json: false }), err.out, false);
    expect(code).toBe(1);
    expect(out.text()).toBe('');
    expect(err.text()).toMatch(/failed at processing: get job: could not reach the service \(ECONNREFUSED\)\. Run `batch-desk resume` to continue\.\n$/);
    const json = sink();
    await reportJobOutcome(toSummary(r), new ItemStore(data).itemDir(r.id), createProgressDisplay(json.out, { json: true }), err.out, true);
    expect(jsonLines(json.text()).at(-1)).toMatchObject({ type: 'note', id: r.id, state: 'failed' });

    // what is missing on the service stays missing: no resume to suggest, the message says what to do
    const gone = saveItem(data, { state: 'failed', stage: 'processing', error: { code: 'not-found', message: 'The service no longer knows job job-x (404). Start a new job on the batch.' } });
    const goneErr = sink();
    await reportJobOutcome(toSummary(gone), new ItemStore(data).itemDir(gone.id), createProgressDisplay(sink().out, { json: false }), goneErr.out, false);
    expect(goneErr.text()).toMatch(/Start a new job on the batch\.\n$/);
    expect(goneErr.text()).not.toMatch(/resume/);
    // a job id taken by another job stays taken on a resume too
    const taken = saveItem(data, { state: 'failed', stage: 'processing', error: { code: 'conflict', message: 'A job with id j1 already exists with different settings: choose another job id (--job-id), or leave it out for a new one.' } });
    const takenErr = sink();
    await reportJobOutcome(toSummary(taken), new ItemStore(data).itemDir(taken.id), createProgressDisplay(sink().out, { json: false }), takenErr.out, false);
    expect(takenErr.text()).toMatch(/choose another job id \(--job-id\), or leave it out for a new one\.\n$/);
  });

  it('the --json item record carries type, id and the whole item', () => {
    const json = sink();
    const summary = toSummary(createItemRecord({ roots: [], pipeline: 'ingest', batchId: 'b' }));
    createProgressDisplay(json.out, { json: true }).item(summary);
    expect(jsonLines(json.text())).toEqual([{ type: 'item', id: summary.id, item: JSON.parse(JSON.stringify(summary)) }]);
  });

  it('status names each item’s job and expiry, lists its warnings, and prints one JSON line per item', async () => {
    const data = scratch.dir('status-data');
    const withJob = saveItem(data, {
      state: 'done',
      stage: 'done',
      batchId: 'cams-1',
      jobId: 'job-status-1',
      expiresAt: '2026-12-06T14:02:30.000Z',
      warnings: ['Results expire in 5 hours.'],
    });
    const ingestOnly = saveItem(data, { batchId: 'cams-2', state: 'running', stage: 'upload' });

    const table = sink();
    expect(await statusCommand.run(ctx(['--data-dir', data], table.out))).toBe(0);
    const [head, ...rows] = table.text().trim().split('\n');
    expect(head).toMatch(/^ITEM\s+NAME\s+STATE\s+STAGE\s+FILES\s+BYTES\s+INDEXED\s+REJECTED\s+BATCH\s+JOB\s+EXPIRES$/);
    expect(rows.find((r) => r.startsWith(withJob.id))).toMatch(/cams-1\s+job-status-1\s+2026-12-06 14:02 UTC$/);
    expect(rows.find((r) => r.startsWith(ingestOnly.id))).toMatch(/cams-2\s+-\s+-$/);
    expect(rows).toContain(`${withJob.id}: warning: Results expire in 5 hours.`);

    const json = sink();
    expect(await statusCommand.run(ctx(['--data-dir', data, '--json'], json.out))).toBe(0);
    const records = jsonLines(json.text());
    expect(records).toHaveLength(2);
    expect(records.map((r) => [r.type, r.id, (r.item as ItemSummary).jobId])).toEqual(
      expect.arrayContaining([
        ['item', ingestOnly.id, undefined],
        ['item', withJob.id, 'job-status-1'],
      ]),
    );
  });

  it('resume lists paused items with the command that resumes them, and resumes one when named', async () => {
    const emu = scratch.server(await startEmu());
    const data = scratch.dir('paused-data');
    const src = scratch.dir('paused-src');
    makeTree(src, 3);
    const paused = saveItem(data, { state: 'paused' }, { roots: [src], pipeline: 'ingest', batchId: 'paused-batch' });
    const env = { ROBOFLOW_API_KEY: KEY, ROBOFLOW_API_URL: emu.url, BATCH_DESK_RECONCILE_GRACE_MS: '0', BATCH_DESK_POLL_MIN_MS: '10' };

    const listed = sink();
    expect(await resumeCommand.run(ctx(['--data-dir', data], listed.out, env))).toBe(0);
    expect(listed.text()).not.toMatch(/^Nothing to resume\.$/m);
    expect(listed.text()).toContain(`paused (item ${paused.id}), left as it is; \`batch-desk resume ${paused.id}\` resumes it.`);
    expect(new ItemStore(data).load(paused.id)?.state).toBe('paused');

    const resumed = sink();
    expect(await resumeCommand.run(ctx(['--data-dir', data, paused.id], resumed.out, env))).toBe(0);
    expect(new ItemStore(data).load(paused.id)?.state).toBe('done');
    expect(((await emu.inspect.files('paused-batch')) ?? []).length).toBe(3);

    const unknown = sink();
    await expect(resumeCommand.run(ctx(['--data-dir', data, 'no-such-item'], unknown.out, env))).rejects.toThrow(/No item no-such-item/);
  });

  it('--help gives the data folder’s default, the one the desktop app uses too', () => {
    expect(GLOBAL_USAGE).toContain(defaultDataDir());
  });
});
