// How often a running job is polled: a job that keeps making progress for hours must not be read
// (job, stages, every page of tasks) every couple of seconds, and a 429's Retry-After is waited out.

import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { startEmulator, type Emulator, type FaultConfig } from '../emulator/server';
import { Engine } from '../../main/engine/pipeline/engine';
import { createIngestSteps } from '../../main/engine/ingest/steps';
import { createJobSteps } from '../../main/engine/jobs/steps';
import { RoboflowClient } from '../../main/engine/roboflow/client';
import { defaultSettings } from '../../main/engine/settings';
import type { PollTimings } from '../../main/engine/poll/poller';
import { FAST, KEY } from './helpers';

const scratch = useScratch();

function engineFor(emu: Emulator, pollTimings: Partial<PollTimings>): Engine {
  const dataDir = scratch.dir('poll-data');
  return new Engine({
    dataDir,
    steps: [...createIngestSteps(FAST), ...createJobSteps({ pollTimings })],
    // A Retry-After longer than 100 ms is not sat out by the HTTP layer: the poller gets it.
    client: () => RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY, retry: { baseMs: 5, maxMs: 50, maxAttempts: 8 }, retryAfterMaxMs: 100 }),
    settings: () => defaultSettings(dataDir),
    progressIntervalMs: 20,
  });
}

/** `count` small "videos": one task each, so a job over them finishes a task every so often. */
function videos(count: number): string {
  const root = scratch.dir('poll-src');
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(root, `clip_${i}.mp4`), Buffer.alloc(2_000 + i, i + 1));
  return root;
}

async function tick(deadline: number, what: string): Promise<void> {
  if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
  await new Promise((r) => setTimeout(r, 2));
}

const jobReads = (emu: Emulator) => {
  const r = emu.inspect.requests();
  return (r['get-job']?.attempts ?? 0) + (r['stages']?.attempts ?? 0) + (r['tasks']?.attempts ?? 0);
};

it('polls a job that keeps making progress less and less often', async () => {
  // A twentieth of real time: 24 tasks one at a time, one finishing every 100 ms for 2.4 s.
  const emu = scratch.server(await startEmulator({ apiKeys: [KEY], timeScale: 0.05 }));
  const engine = engineFor(emu, { minMs: 10, maxMs: 400, factor: 1.5, ageShare: 0.1, random: () => 0.5 });
  const item = engine.add({ roots: [videos(24)], pipeline: 'full', job: { workflowId: 'wf', maxParallelTasks: 1 }, outDir: scratch.dir('poll-out') });
  const finished = engine.waitFor(item.id);

  // The reads made while the job's tasks run, sampled over time.
  const samples: { at: number; reads: number }[] = [];
  const deadline = Date.now() + 30_000;
  for (let over = false; !over; await tick(deadline, 'the job ended')) {
    const job = emu.inspect.jobs()[0];
    over = job?.job['isTerminal'] === true;
    if (job && job.stages.length > 0) samples.push({ at: Date.now(), reads: jobReads(emu) });
  }
  expect((await finished).state).toBe('done');
  await engine.close();

  // Reads in the first and the last quarter of the time the tasks ran.
  const start = samples[0]!.at;
  const span = samples[samples.length - 1]!.at - start;
  const readsAt = (share: number) => samples.find((s) => s.at >= start + span * share)!.reads;
  const early = readsAt(0.25) - readsAt(0);
  const late = readsAt(1) - readsAt(0.75);
  expect(span).toBeGreaterThan(2000);
  // A task finishing every 100 ms does not keep the interval short: far fewer reads at the end.
  expect(late, `reads: ${early} in the first quarter, ${late} in the last`).toBeLessThan(early * 0.6);
});

it('waits out a Retry-After on the job route before polling again', async () => {
  const faults: FaultConfig = { rules: [{ route: 'get-job', kind: 'status', status: 429, retryAfterSeconds: 1, times: 1 }] };
  const emu = scratch.server(await startEmulator({ apiKeys: [KEY], timeScale: 0, faults }));
  const engine = engineFor(emu, { minMs: 5, maxMs: 40, factor: 2 });
  const root = scratch.dir('poll-src');
  fs.writeFileSync(path.join(root, 'clip.mp4'), Buffer.alloc(2_000, 1));
  const item = engine.add({ roots: [root], pipeline: 'full', job: { workflowId: 'wf' }, outDir: scratch.dir('poll-out') });
  const finished = engine.waitFor(item.id);

  const getJob = () => emu.inspect.requests()['get-job'] ?? { attempts: 0, faulted: 0 };
  let refusedAt = 0;
  let nextAt = 0;
  const deadline = Date.now() + 30_000;
  for (; !nextAt; await tick(deadline, 'the job was read again')) {
    const g = getJob();
    if (g.faulted === 1 && !refusedAt) refusedAt = Date.now();
    if (refusedAt && g.attempts > 1) nextAt = Date.now();
  }
  expect((await finished).state).toBe('done');
  await engine.close();
  expect(nextAt - refusedAt).toBeGreaterThanOrEqual(950);
});
