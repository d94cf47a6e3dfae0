// A job started with settings the item no longer has is superseded: nobody polls it or collects its
// results. So "Restart job" (and `resume --restart-failed-jobs`, the same code) never restarts it,
// and new settings that replace a job still running abort it.

import path from 'node:path';
import { expect, it, vi } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { startEmulator, type Emulator, type FaultConfig } from '../emulator/server';
import { connect, fullEngine, KEY, makeTree, readResults, startEmu } from './helpers';
import { restartForRetry } from '../../main/engine/jobs/job-control';
import { readJobStates } from '../../main/engine/jobs/job-journal';

const scratch = useScratch();
// Half the images fail, so every job over them fails; fixed batch id and folder name as in
// job-lifecycle.test.ts, so which images fail is fixed too.
const JOB_FAILS: FaultConfig = { seed: 3, imageFailureRate: 0.5 };
const serviceJob = (emu: Emulator, jobId: string) => emu.inspect.jobs().find((j) => j.jobId === jobId);

it('"Restart job" after new settings restarts only the job of the current settings', async () => {
  const emu = scratch.server(await startEmu(JOB_FAILS));
  const root = path.join(scratch.dir('superseded-src'), 'site');
  makeTree(root, 30, { dirs: 2 });
  const out = scratch.dir('superseded-out');
  const engine = fullEngine(emu, scratch.dir('superseded-data'));
  const item = engine.add({ roots: [root], pipeline: 'full', batchId: 'will-fail-batch', job: { workflowId: 'wf', jobId: 'will-fail' }, outDir: out });
  expect((await engine.waitFor(item.id)).error?.failedJobId).toBe('will-fail');

  // The operator tries other settings: a second job, which fails too.
  engine.startJob(item.id, { workflowId: 'wf', jobId: 'will-fail-b', maxParallelTasks: 2 }, out);
  expect((await engine.waitFor(item.id)).error?.failedJobId).toBe('will-fail-b');

  emu.setFaults({});
  expect(await restartForRetry(engine.itemDir(item.id), await connect(emu))).toEqual(['will-fail-b']);
  engine.retry(item.id);
  const done = await engine.waitFor(item.id);
  await engine.close();
  expect(done.state).toBe('done');
  expect(serviceJob(emu, 'will-fail')).toMatchObject({ restarts: 0 });
  expect(serviceJob(emu, 'will-fail-b')).toMatchObject({ restarts: 1 });
  expect(readResults(out).filter((r) => r.status === 'ok')).toHaveLength(30);
});

it('new settings for a paused item abort its job still running, then start the new one', async () => {
  // a fifth of real time: the first job runs for about a second and a half after it starts
  const emu = scratch.server(await startEmulator({ apiKeys: [KEY], timeScale: 0.2 }));
  const root = scratch.dir('superseded-src');
  makeTree(root, 20, { dirs: 2 });
  const out = scratch.dir('superseded-out');
  const engine = fullEngine(emu, scratch.dir('superseded-data'));
  const item = engine.add({ roots: [root], pipeline: 'full', job: { workflowId: 'wf', jobId: 'first' }, outDir: out });
  const itemDir = engine.itemDir(item.id);
  await vi.waitFor(() => expect(readJobStates(itemDir)).toMatchObject([{ created: true }]), { timeout: 30_000, interval: 10 });
  engine.pause(item.id);
  await engine.waitFor(item.id);
  expect(serviceJob(emu, 'first')!.job).toMatchObject({ isTerminal: false });

  engine.startJob(item.id, { workflowId: 'wf-other', jobId: 'second' }, out);
  const done = await engine.waitFor(item.id);
  await engine.close();
  expect(done.state).toBe('done');
  expect(serviceJob(emu, 'first')).toMatchObject({ aborts: 1, job: { isTerminal: true, error: true } });
  expect(serviceJob(emu, 'second')).toMatchObject({ createCalls: 1, aborts: 0, job: { isTerminal: true, error: false } });
});
