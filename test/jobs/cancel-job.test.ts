// Cancelling an item while its job runs aborts the job on the service: nobody would collect its
// results, and it is paid for while it runs. Through the host, as the console's Cancel does.

import { expect, it, vi } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { startEmulator } from '../emulator/server';
import { testApp } from '../host/fixture';
import type { ItemSummary } from '../../shared/domain';
import { createIngestSteps } from '../../main/engine/ingest/steps';
import { createJobSteps } from '../../main/engine/jobs/steps';
import { readJobStates } from '../../main/engine/jobs/job-journal';
import { FAST, FAST_POLL, KEY, makeTree } from './helpers';

const scratch = useScratch();

it('cancelling an item during processing aborts its job once, and the item ends cancelled', async () => {
  // a fifth of real time: the job runs for about a second and a half after it starts
  const emu = scratch.server(await startEmulator({ apiKeys: [KEY], timeScale: 0.2 }));
  const root = scratch.dir('cancel-src');
  makeTree(root, 20, { dirs: 2 });
  const app = testApp({
    steps: [...createIngestSteps(FAST), ...createJobSteps({ pollTimings: FAST_POLL })],
    env: { ROBOFLOW_API_KEY: KEY, ROBOFLOW_API_URL: emu.url },
  });
  try {
    const added = await app.host.invoke('queue:add', { roots: [root], pipeline: 'full', job: { workflowId: 'wf' }, outDir: scratch.dir('cancel-out') });
    if (!added.ok) throw new Error(added.error.message);
    const id = (added.value as ItemSummary).id;
    await vi.waitFor(() => expect(readJobStates(app.engine.itemDir(id)).some((j) => j.created)).toBe(true), { timeout: 30_000, interval: 10 });
    expect(emu.inspect.jobs()).toMatchObject([{ aborts: 0 }]);

    const cancelled = await app.host.invoke('item:cancel', { id });
    expect(cancelled.ok && (cancelled.value as ItemSummary).state).toBe('cancelled');
    expect(emu.inspect.jobs()).toMatchObject([{ createCalls: 1, aborts: 1 }]);
  } finally {
    await app.close();
  }
});
