// A Workflow job that failed on the service runs again only when the operator asks: `resume`, run
// after a reboot or a fix, must not restart a paid job by itself. The real command line throughout.

import path from 'node:path';
import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import type { Emulator } from '../emulator/server';
import { makeTree, readResults, spawnCli, startEmu } from './helpers';

const scratch = useScratch();
const RESTART_HINT = '`batch-desk resume --restart-failed-jobs`';

it('resume leaves a failed job alone and says how to restart it; --restart-failed-jobs restarts it once', async () => {
  // Half the images fail, so the job fails. Which ones hangs on the batch id and the files' batch
  // names (from the root folder's name), fixed as in job-lifecycle.test.ts.
  const emu: Emulator = scratch.server(await startEmu({ seed: 3, imageFailureRate: 0.5 }));
  const root = path.join(scratch.dir('failed-job-src'), 'site');
  const data = scratch.dir('failed-job-data');
  const out = scratch.dir('failed-job-out');
  makeTree(root, 30, { dirs: 2 });
  const cli = (...args: string[]) => spawnCli(emu, args, data, scratch).done;

  const run = await cli('run', root, '--workflow-id', 'wf', '--out', out, '--batch-id', 'will-fail-batch', '--job-id', 'will-fail');
  expect(run.code).toBe(1);
  expect(run.out).toMatch(/Job will-fail failed: Processing failed: [^"]*tasks failed\. Run `batch-desk resume --restart-failed-jobs` to run the job again on the service\./);

  emu.setFaults({});
  const plain = await cli('resume');
  expect(plain.code).toBe(1);
  expect(plain.out).toContain(`Not restarted: ${RESTART_HINT} runs the job again on the service`);
  expect(emu.inspect.jobs()).toMatchObject([{ jobId: 'will-fail', createCalls: 1, restarts: 0 }]);

  const restarted = await cli('resume', '--restart-failed-jobs');
  expect(restarted.err).toBe('');
  expect(restarted.code).toBe(0);
  expect(emu.inspect.jobs()).toMatchObject([{ jobId: 'will-fail', createCalls: 1, restarts: 1 }]);
  expect(readResults(out).filter((r) => r.status === 'ok')).toHaveLength(30);
});
