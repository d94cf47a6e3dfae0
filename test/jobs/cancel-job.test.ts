// Cancelling an item while its job runs aborts the job on the service: nobody would collect its
// results, and it is paid for while it runs. Through the host, as the console's Cancel does.

import { expect, it, vi } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { startEmulator } from '../emulator/server';
import { testApp } from '../host/fixture';
import type { FaultConfig } from '../emulator/faults';
import type { ItemSummary } from '../../shared/domain';
import { createIngestSteps } from '../../main/engine/ingest/steps';
import { createJobSteps } from '../../main/engine/jobs/steps';
import { readJobStates } from '../../main/engine/jobs/job-journal';
import { FAST, FAST_POLL, KEY, makeTree } from './helpers';

const scratch = useScratch();

async function itemWithJob(faults?: FaultConfig) {
  // a fifth of real time: the job runs for about a second and a half after it starts
  const emu = scratch.server(await startEmulator({ apiKeys: [KEY], timeScale: 0.2, faults }));
  const root = scratch.dir('cancel-src');
  makeTree(root, 20, { dirs: 2 });
  const app = testApp({
    steps: [...createIngestSteps(FAST), ...createJobSteps({ pollTimings: FAST_POLL })],
    env: { ROBOFLOW_API_KEY: KEY, ROBOFLOW_API_URL: emu.url },
  });
  const added = await app.host.invoke('queue:add', { roots: [root], pipeline: 'full', job: { workflowId: 'wf' }, outDir: scratch.dir('cancel-out') });
  if (!added.ok) throw new Error(added.error.message);
  return { emu, app, id: (added.value as ItemSummary).id };
}

it('cancelling an item during processing aborts its job once, and the item ends cancelled', async () => {
  const { emu, app, id } = await itemWithJob();
  try {
    await vi.waitFor(() => expect(readJobStates(app.engine.itemDir(id)).some((j) => j.created)).toBe(true), { timeout: 30_000, interval: 10 });
    expect(emu.inspect.jobs()).toMatchObject([{ aborts: 0 }]);

    const cancelled = await app.host.invoke('item:cancel', { id });
    expect(cancelled.ok && (cancelled.value as ItemSummary).state).toBe('cancelled');
    expect(emu.inspect.jobs()).toMatchObject([{ createCalls: 1, aborts: 1 }]);
  } finally {
    await app.close();
  }
});

it('cancelling while the start\'s answer is still missing aborts the job the service did start', async () => {
  // The service creates the job and starts answering, then stalls: the journal holds the intent only.
  const { emu, app, id } = await itemWithJob({ rules: [{ route: 'create-job', kind: 'stall', afterBytes: 1, ms: 3000, times: 1 }] });
  try {
    await vi.waitFor(() => expect(emu.inspect.jobs()).toMatchObject([{ createCalls: 1 }]), { timeout: 30_000, interval: 10 });
    expect(readJobStates(app.engine.itemDir(id))).toMatchObject([{ created: false }]);

    const cancelled = await app.host.invoke('item:cancel', { id });
    expect(cancelled.ok && (cancelled.value as ItemSummary).state).toBe('cancelled');
    expect(emu.inspect.jobs()).toMatchObject([{ aborts: 1, job: { isTerminal: true, error: true } }]);
  } finally {
    await app.close();
  }
});

it('cancelling an item whose processing failed while its job ran aborts the job', async () => {
  // The first poll is refused (401): the item fails, the job runs on.
  const { emu, app, id } = await itemWithJob({ rules: [{ route: 'get-job', kind: 'status', status: 401, times: 1 }] });
  try {
    const failed = await app.engine.waitFor(id);
    expect(failed).toMatchObject({ state: 'failed', stages: { processing: 'failed' } });
    expect(emu.inspect.jobs()).toMatchObject([{ aborts: 0, job: { isTerminal: false } }]);

    expect((await app.host.invoke('item:cancel', { id })).ok).toBe(true);
    expect(emu.inspect.jobs()).toMatchObject([{ aborts: 1, job: { isTerminal: true, error: true } }]);
  } finally {
    await app.close();
  }
});

it('cancelling while the job is being started aborts the job that start creates, once the run has stopped', async () => {
  // The first abort reaches the service before the job exists (404), and its answer is slow; the
  // start, sent meanwhile (the batch is read just before the POST), creates the job.
  const { emu, app, id } = await itemWithJob({
    rules: [
      { route: 'get-batch', kind: 'latency', ms: 200 },
      { route: 'abort', kind: 'latency', ms: 1500, times: 1 },
      { route: 'abort', kind: 'status', status: 404, times: 1 },
    ],
  });
  try {
    await vi.waitFor(() => expect(readJobStates(app.engine.itemDir(id))).toMatchObject([{ created: false }]), { timeout: 30_000, interval: 5 });
    expect(emu.inspect.jobs()).toEqual([]);

    const cancelled = await app.host.invoke('item:cancel', { id });
    expect(cancelled.ok && (cancelled.value as ItemSummary).state).toBe('cancelled');
    expect(emu.inspect.jobs()).toMatchObject([{ createCalls: 1, aborts: 1, job: { isTerminal: true, error: true } }]);
  } finally {
    await app.close();
  }
});
