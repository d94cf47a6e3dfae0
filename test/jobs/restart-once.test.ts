// A restart runs a paid job again, so it reaches the service at most once per operator request,
// even when its answer is lost: never re-sent by the HTTP layer, and never sent again by the next
// retry when the job's state shows it took (the restarted job may well have failed again since).

import path from 'node:path';
import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import type { Emulator, FaultConfig } from '../emulator/server';
import type { FaultRule } from '../emulator/faults';
import { connect, fullEngine, makeTree, startEmu } from './helpers';
import { restartForRetry } from '../../main/engine/jobs/job-control';
import { readJobStates } from '../../main/engine/jobs/job-journal';

const scratch = useScratch();
// Half the images fail, so the job fails (and fails again when restarted with these faults);
// fixed batch id and folder name as in job-lifecycle.test.ts, so which images fail is fixed too.
const JOB_FAILS: FaultConfig = { seed: 3, imageFailureRate: 0.5 };
const FAILED = /^Job will-fail failed: Processing failed: 1 of 1 tasks failed/;

async function failedItem() {
  const emu: Emulator = scratch.server(await startEmu(JOB_FAILS));
  const root = path.join(scratch.dir('restart-src'), 'site');
  makeTree(root, 30, { dirs: 2 });
  const engine = fullEngine(emu, scratch.dir('restart-data'));
  const item = engine.add({ roots: [root], pipeline: 'full', batchId: 'will-fail-batch', job: { workflowId: 'wf', jobId: 'will-fail' }, outDir: scratch.dir('restart-out') });
  const failed = await engine.waitFor(item.id);
  expect(failed.error?.message).toMatch(FAILED);
  const client = await connect(emu);
  return { emu, engine, itemId: item.id, itemDir: engine.itemDir(item.id), client };
}

const withRestartFaults = (emu: Emulator, base: FaultConfig, rules: FaultRule[]) => emu.setFaults({ ...base, rules });
const restartCalls = (emu: Emulator) => emu.inspect.requests()['restart']?.attempts ?? 0;
const serviceJob = (emu: Emulator) => emu.inspect.jobs()[0]!;

async function until(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

it('a restart whose answer is lost is not sent again, even though the job fails again meanwhile', async () => {
  const { emu, engine, itemId, itemDir, client } = await failedItem();
  // The service restarts the job, then the connection drops before the answer. Each restart is
  // handled late enough that the restarted job has failed again before a second one could land.
  withRestartFaults(emu, JOB_FAILS, [
    { route: 'restart', kind: 'reset-response', times: 1 },
    { route: 'restart', kind: 'latency', ms: 300 },
  ]);
  expect(await restartForRetry(itemDir, client)).toEqual(['will-fail']);
  engine.retry(itemId);
  const after = await engine.waitFor(itemId);
  await engine.close();

  expect(restartCalls(emu)).toBe(1);
  expect(serviceJob(emu)).toMatchObject({ jobId: 'will-fail', createCalls: 1, restarts: 1 });
  // The item reads as what happened: the restarted job failed on its own.
  expect(after.state).toBe('failed');
  expect(after.error?.message).toMatch(FAILED);
  expect(after.error?.failedJobId).toBe('will-fail');
  expect(readJobStates(itemDir)[0]).toMatchObject({ restartPending: false, terminal: { error: true } });
});

// The next retry: the console's "Restart job" or `resume --restart-failed-jobs` (which restart
// first), or a plain retry of the item (whose processing step finds the restart pending).
it.each([
  ['an operator\'s restart', true],
  ['a plain retry', false],
])('stopped while its restart was on the way, %s finds that it took and does not send another', async (_, viaRestart) => {
  const { emu, engine, itemId, itemDir, client } = await failedItem();
  // The service restarts the job and starts answering, then stalls; the process stops meanwhile
  // (as a kill -9 would): the restart is journaled as sent, its answer never read.
  withRestartFaults(emu, JOB_FAILS, [{ route: 'restart', kind: 'stall', afterBytes: 1, ms: 2000, times: 1 }]);
  const stop = new AbortController();
  const first = restartForRetry(itemDir, client, stop.signal);
  await until('the service restarted the job', () => serviceJob(emu).restarts === 1);
  stop.abort();
  await expect(first).rejects.toThrow();
  expect(readJobStates(itemDir)[0]).toMatchObject({ restartPending: true });
  // The restarted job fails again before the operator retries.
  await until('the restarted job failed again', () => serviceJob(emu).job['isTerminal'] === true);

  if (viaRestart) expect(await restartForRetry(itemDir, await connect(emu))).toEqual(['will-fail']);
  engine.retry(itemId);
  const after = await engine.waitFor(itemId);
  await engine.close();

  expect(restartCalls(emu)).toBe(1);
  expect(serviceJob(emu)).toMatchObject({ restarts: 1 });
  expect(after.state).toBe('failed');
  expect(after.error?.message).toMatch(FAILED);
  expect(readJobStates(itemDir)[0]).toMatchObject({ restartPending: false });
});

it('when the job does not show whether a lost restart took, the operator is told to check, and nothing is sent by itself', async () => {
  const { emu, engine, itemId, itemDir, client } = await failedItem();
  // The connection drops before the service reads the request: the job stays failed as it was.
  withRestartFaults(emu, {}, [{ route: 'restart', kind: 'reset-request', times: 1 }]);
  await expect(restartForRetry(itemDir, client)).rejects.toThrow(
    'Job will-fail failed: a restart sent for it got no answer, and the job does not show that it took; check the job on Roboflow before restarting it again.',
  );
  expect(restartCalls(emu)).toBe(1);
  expect(serviceJob(emu).restarts).toBe(0);

  // The operator checked and asks again: that request restarts it, once.
  expect(await restartForRetry(itemDir, client)).toEqual(['will-fail']);
  engine.retry(itemId);
  const after = await engine.waitFor(itemId);
  await engine.close();
  expect(after.state).toBe('done');
  expect(restartCalls(emu)).toBe(2);
  expect(serviceJob(emu).restarts).toBe(1);
});

it('a restart the service shows only later is not taken for its outcome: the failure it replaced is polled past', async () => {
  const { emu, engine, itemId, itemDir, client } = await failedItem();
  // For 300 ms after the restart, the job (and its stages) still read as the failure it replaced.
  emu.setFaults({ restartLagMs: 300 });
  expect(await restartForRetry(itemDir, client)).toEqual(['will-fail']);
  engine.retry(itemId);
  const after = await engine.waitFor(itemId);
  await engine.close();
  expect(after.error?.message).toBeUndefined();
  expect(after.state).toBe('done');
  expect(serviceJob(emu)).toMatchObject({ createCalls: 1, restarts: 1 });
});
