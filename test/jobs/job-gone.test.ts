// A job the service no longer knows (it expired, was deleted, or the service lost it): polling it
// answers 404 for good. The item fails saying so and what to do instead; "resume" would only poll
// the same missing job again.

import { expect, it, vi } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { startEmulator } from '../emulator/server';
import { readJobStates } from '../../main/engine/jobs/job-journal';
import { fullEngine, KEY, makeTree } from './helpers';

const scratch = useScratch();

it('a job that is gone from the service fails the item with what to do, not "resume"', async () => {
  // slowed so the job is still running when the first process stops
  const first = scratch.server(await startEmulator({ apiKeys: [KEY], timeScale: 0.2 }));
  const data = scratch.dir('gone-data');
  const root = scratch.dir('gone-src');
  makeTree(root, 6);
  const engine = fullEngine(first, data);
  const item = engine.add({ roots: [root], pipeline: 'full', job: { workflowId: 'wf' }, outDir: scratch.dir('gone-out') });
  await vi.waitFor(() => expect(readJobStates(engine.itemDir(item.id)).some((j) => j.created)).toBe(true), { timeout: 30_000, interval: 10 });
  await engine.close();

  // the same workspace on a service that has never heard of the job
  const second = scratch.server(await startEmulator({ apiKeys: [KEY], timeScale: 0 }));
  const again = fullEngine(second, data);
  try {
    again.resumeAll();
    const ended = await again.waitFor(item.id);
    expect(ended.state).toBe('failed');
    expect(ended.stage).toBe('processing');
    expect(ended.error).toMatchObject({ code: 'not-found' });
    expect(ended.error?.message).toMatch(/^The service no longer knows job \S+ \(404\): it expired or was deleted, so its results cannot be collected\. Start a new job on the batch\.$/);
  } finally {
    await again.close();
  }
});
