// Starting a job exactly once, a failed job with its logs kept, restart with overrides, and the plain
// message for a job id reused with other settings.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { startEmulator, type Emulator } from '../emulator/server';
import { KEY, connect, fullEngine, makeTree, readResults, startEmu } from './helpers';
import { openJobJournal, readJobStates } from '../../main/engine/jobs/job-journal';
import { ensureCreated, journalIntent } from '../../main/engine/jobs/start-job';
import { readJobLogs, readJobStages } from '../../main/engine/jobs/job-view';
import { restartItemJobs } from '../../main/engine/jobs/job-control';

let emu: Emulator | undefined;
const scratch = useScratch();

async function stagedBatch(emu: Emulator, images: number): Promise<{ batchId: string; data: string }> {
  const root = scratch.dir('life-src');
  const data = scratch.dir('life-data');
  makeTree(root, images, { dirs: 2 });
  const engine = fullEngine(emu, data);
  const item = engine.add({ roots: [root], pipeline: 'ingest', batchId: 'staged-batch' });
  const done = await engine.waitFor(item.id);
  await engine.close();
  expect(done.state).toBe('done');
  return { batchId: done.batchId, data };
}

describe('job start', () => {
  it('re-sends the journaled id and body after a lost answer: one job at the service', async () => {
    emu = scratch.server(await startEmu());
    const { batchId } = await stagedBatch(emu, 20);
    const client = await connect(emu);
    const itemDir = scratch.dir('life-item');
    const journal = openJobJournal(itemDir);
    const job = journalIntent(journal, { workflowId: 'wf', jobId: 'lost-answer' }, { batchId, kind: 'images' }, client.workspace, 'lost-answer');
    // The first POST reached the service, but the process died before journaling its answer.
    await client.processing.createJob(job.jobId, job.body);
    journal.close();

    const reopened = openJobJournal(itemDir);
    const [state] = readJobStates(itemDir);
    expect(state).toMatchObject({ jobId: 'lost-answer', created: false });
    await ensureCreated(reopened, client, state!, new AbortController().signal);
    reopened.close();
    expect(readJobStates(itemDir)[0]!.created).toBe(true);
    const jobs = emu.inspect.jobs();
    expect(jobs.map((j) => j.jobId)).toEqual(['lost-answer']);
    expect(jobs[0]!.conflicts).toBe(0);
  });

  it('says plainly when the job id is taken by a job with other settings', async () => {
    emu = scratch.server(await startEmu());
    const { batchId } = await stagedBatch(emu, 5);
    const client = await connect(emu);
    await client.processing.createJob('taken-id', { ...(await bodyFor(client.workspace, batchId, 'wf-one')) });
    const itemDir = scratch.dir('life-item');
    const journal = openJobJournal(itemDir);
    const job = journalIntent(journal, { workflowId: 'wf-two' }, { batchId, kind: 'images' }, client.workspace, 'taken-id');
    await expect(ensureCreated(journal, client, job, new AbortController().signal)).rejects.toThrow(
      'A job with id taken-id already exists with different settings: choose another job id (--job-id), or leave it out for a new one.',
    );
    journal.close();
  });
});

async function bodyFor(workspace: string, batchId: string, workflowId: string) {
  const { buildJobBody } = await import('../../main/engine/jobs/job-body');
  return buildJobBody({ workflowId }, { batchId, workspace, kind: 'images' });
}

describe('a failed job', () => {
  it('fails the item with the job message, keeps the error logs, and restarts with overrides', async () => {
    // Half the images fail: a task of 30 tolerates only 10 failures, so the job fails. Which images
    // fail hangs on the batch id and the files' batch names, so both are fixed (the names come from
    // the root folder's name, hence a fixed folder inside the temp one): with a generated id or
    // folder name, about 1 run in 50 drew 10 failures or fewer and the job passed.
    emu = scratch.server(await startEmu({ seed: 3, imageFailureRate: 0.5 }));
    const root = path.join(scratch.dir('life-src'), 'site');
    const data = scratch.dir('life-data');
    const out = scratch.dir('life-out');
    makeTree(root, 30, { dirs: 2 });
    const engine = fullEngine(emu, data);
    const item = engine.add({ roots: [root], pipeline: 'full', batchId: 'will-fail-batch', job: { workflowId: 'wf', jobId: 'will-fail' }, outDir: out });
    const failed = await engine.waitFor(item.id);
    expect(failed.state).toBe('failed');
    expect(failed.stages.processing).toBe('failed');
    expect(failed.error?.message).toMatch(/^Job will-fail failed: Processing failed: 1 of 1 tasks failed/);
    expect(failed.error?.failedJobId).toBe('will-fail'); // so the console and `resume` say "restart"
    const itemDir = engine.itemDir(item.id);
    const logs = readJobLogs(itemDir);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.every((l) => l.severity === 'error')).toBe(true);
    expect(logs.filter((l) => /injected failure/.test(l.message)).length).toBeGreaterThan(10);
    expect(readJobStages(itemDir)[0]!.tasks.failed).toBe(1);

    emu.setFaults({});
    const client = await connect(emu);
    expect(await restartItemJobs(itemDir, client, { maxParallelTasks: 2 })).toEqual(['will-fail']);
    engine.retry(item.id);
    const done = await engine.waitFor(item.id);
    await engine.close();
    expect(done.error?.message).toBeUndefined();
    expect(done.state).toBe('done');
    const [job] = emu.inspect.jobs();
    expect(job).toMatchObject({ jobId: 'will-fail', createCalls: 1, restarts: 1 });
    expect((job!.job as { restartParametersOverride: unknown[] }).restartParametersOverride).toEqual([
      { type: 'parameters-override-v1', maxParallelTasks: 2 },
    ]);
    expect(readResults(out).filter((r) => r.status === 'ok')).toHaveLength(30);
    expect(fs.existsSync(path.join(out, 'results.csv'))).toBe(true);
  });
});

describe('an aborted video job', () => {
  it('restarts without the image failure rate, which a video job refuses (5.1)', async () => {
    // A fifth of real time: the job waits a second for compute, time enough to abort it.
    emu = scratch.server(await startEmulator({ apiKeys: [KEY], timeScale: 0.2 }));
    const root = scratch.dir('life-src');
    fs.writeFileSync(path.join(root, 'clip.mp4'), Buffer.alloc(2_000, 1));
    const engine = fullEngine(emu, scratch.dir('life-data'));
    const item = engine.add({ roots: [root], pipeline: 'full', job: { workflowId: 'wf', jobId: 'video-abort' }, outDir: scratch.dir('life-out') });
    const client = await connect(emu);
    for (const deadline = Date.now() + 20_000; emu.inspect.jobs().length === 0; await new Promise((r) => setTimeout(r, 5))) {
      if (Date.now() > deadline) throw new Error('the job was never created');
    }
    await client.processing.abort('video-abort');
    const failed = await engine.waitFor(item.id);
    expect(failed.state).toBe('failed');

    const restarted = await restartItemJobs(engine.itemDir(item.id), client, { maxImageFailureRate: 0.2, maxParallelTasks: 2 });
    await engine.close();
    expect(restarted).toEqual(['video-abort']);
    const [job] = emu.inspect.jobs();
    expect(job).toMatchObject({ restarts: 1 });
    expect((job!.job as { restartParametersOverride: unknown[] }).restartParametersOverride).toEqual([{ type: 'parameters-override-v1', maxParallelTasks: 2 }]);
  });
});
