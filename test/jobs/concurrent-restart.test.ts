// Two restarts of one failed job asked for at once (a double click, two browser tabs on `serve`)
// reach the service once: a restart runs the job again, and is paid for again.

import path from 'node:path';
import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { startEmulator } from '../emulator/server';
import { testApp } from '../host/fixture';
import type { ItemSummary } from '../../shared/domain';
import { createIngestSteps } from '../../main/engine/ingest/steps';
import { createJobSteps } from '../../main/engine/jobs/steps';
import { FAST, FAST_POLL, KEY, makeTree } from './helpers';

const scratch = useScratch();

it('sends one restart for two asked for at once', async () => {
  // Half the images fail, so the job fails; fixed batch id and folder name (as restart-once.test.ts).
  // A fifth of real time: the restarted job runs for a second or so, so it has not failed again yet.
  const emu = scratch.server(await startEmulator({ apiKeys: [KEY], timeScale: 0.2, faults: { seed: 3, imageFailureRate: 0.5 } }));
  const root = path.join(scratch.dir('restart2-src'), 'site');
  makeTree(root, 30, { dirs: 2 });
  const app = testApp({
    steps: [...createIngestSteps(FAST), ...createJobSteps({ pollTimings: FAST_POLL })],
    env: { ROBOFLOW_API_KEY: KEY, ROBOFLOW_API_URL: emu.url },
  });
  try {
    const added = await app.host.invoke('queue:add', { roots: [root], pipeline: 'full', batchId: 'will-fail-batch', job: { workflowId: 'wf', jobId: 'will-fail' }, outDir: scratch.dir('restart2-out') });
    if (!added.ok) throw new Error(added.error.message);
    const id = (added.value as ItemSummary).id;
    expect((await app.engine.waitFor(id)).state).toBe('failed');

    const answers = await Promise.all([app.host.invoke('item:restart-job', { id, overrides: {} }), app.host.invoke('item:restart-job', { id, overrides: {} })]);
    expect(emu.inspect.requests()['restart']?.attempts).toBe(1);
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
  } finally {
    await app.close();
  }
});
