// A Workflow job that failed on the service runs again only when the operator asks: `resume`, run
// after a reboot or a fix, must not restart a paid job by itself, not even when the process died
// before the failure was recorded. The real command line throughout, and the console's host.

import path from 'node:path';
import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import type { Emulator, FaultConfig } from '../emulator/server';
import type { ItemSummary } from '../../shared/domain';
import { testApp } from '../host/fixture';
import { createIngestSteps } from '../../main/engine/ingest/steps';
import { createJobSteps } from '../../main/engine/jobs/steps';
import { FAST, FAST_POLL, KEY, makeTree, readResults, spawnCli, startEmu } from './helpers';

const scratch = useScratch();
const RESTART_HINT = '`batch-desk resume --restart-failed-jobs`';
// Half the images fail, so the job fails. Which ones hangs on the batch id and the files' batch
// names (from the root folder's name), fixed as in job-lifecycle.test.ts.
const JOB_FAILS: FaultConfig = { seed: 3, imageFailureRate: 0.5 };
const FIXED_IDS = ['--batch-id', 'will-fail-batch', '--job-id', 'will-fail'];

async function setup(faults: FaultConfig) {
  const emu: Emulator = scratch.server(await startEmu(faults));
  const root = path.join(scratch.dir('failed-job-src'), 'site');
  const data = scratch.dir('failed-job-data');
  const out = scratch.dir('failed-job-out');
  makeTree(root, 30, { dirs: 2 });
  const cli = (...args: string[]) => spawnCli(emu, args, data, scratch);
  return { emu, root, out, cli };
}

it('resume leaves a failed job alone and says how to restart it; --restart-failed-jobs restarts it once', async () => {
  const { emu, root, out, cli } = await setup(JOB_FAILS);
  const run = await cli('run', root, '--workflow-id', 'wf', '--out', out, ...FIXED_IDS).done;
  expect(run.code).toBe(1);
  expect(run.out).toMatch(/Job will-fail failed: Processing failed: [^"]*tasks failed\. Run `batch-desk resume --restart-failed-jobs` to run the job again on the service\./);

  emu.setFaults({});
  const plain = await cli('resume').done;
  expect(plain.code).toBe(1);
  expect(plain.out).toContain(`Not restarted: ${RESTART_HINT} runs the job again on the service`);
  expect(emu.inspect.jobs()).toMatchObject([{ jobId: 'will-fail', createCalls: 1, restarts: 0 }]);

  const restarted = await cli('resume', '--restart-failed-jobs').done;
  expect(restarted.err).toBe('');
  expect(restarted.code).toBe(0);
  expect(emu.inspect.jobs()).toMatchObject([{ jobId: 'will-fail', createCalls: 1, restarts: 1 }]);
  expect(readResults(out).filter((r) => r.status === 'ok')).toHaveLength(30);
});

it('kill -9 after the job failed but before the item did (its error logs on their way), then resume: not restarted', async () => {
  // The job's failure is journaled, then its error logs are fetched (slowly here) before the item
  // is marked failed: the process dies in between, with the item still "running".
  const { emu, root, out, cli } = await setup({ ...JOB_FAILS, rules: [{ route: 'logs', kind: 'latency', ms: 30_000 }] });
  const first = cli('run', root, '--workflow-id', 'wf', '--out', out, ...FIXED_IDS);
  const end = Date.now() + 30_000;
  while (!(emu.inspect.requests()['logs']?.attempts ?? 0)) {
    if (first.child.exitCode !== null || Date.now() > end) throw new Error(`the run never fetched the job's logs: ${(await first.done).out}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  first.child.kill('SIGKILL');
  await first.done;

  emu.setFaults(JOB_FAILS);
  const resumed = await cli('resume').done;
  expect(resumed.code).toBe(1);
  expect(resumed.out).toContain(`Run ${RESTART_HINT} to run the job again on the service.`);
  expect(emu.inspect.jobs()).toMatchObject([{ jobId: 'will-fail', createCalls: 1, restarts: 0 }]);
});

it('the console\'s "Restart job" (a retry of an item whose job failed) restarts it once, and the item finishes', async () => {
  const { emu, root, out } = await setup(JOB_FAILS);
  const app = testApp({
    steps: [...createIngestSteps(FAST), ...createJobSteps({ pollTimings: FAST_POLL })],
    env: { ROBOFLOW_API_KEY: KEY, ROBOFLOW_API_URL: emu.url },
  });
  try {
    const added = await app.host.invoke('queue:add', { roots: [root], pipeline: 'full', batchId: 'will-fail-batch', job: { workflowId: 'wf', jobId: 'will-fail' }, outDir: out });
    if (!added.ok) throw new Error(added.error.message);
    const failed = await app.engine.waitFor((added.value as ItemSummary).id);
    expect(failed.error?.failedJobId).toBe('will-fail');

    emu.setFaults({});
    expect((await app.host.invoke('item:retry', { id: failed.id })).ok).toBe(true);
    const after = await app.engine.waitFor(failed.id);
    expect(after.error?.message).toBeUndefined();
    expect(after.state).toBe('done');
    expect(emu.inspect.jobs()).toMatchObject([{ jobId: 'will-fail', createCalls: 1, restarts: 1 }]);
  } finally {
    await app.close();
  }
});
