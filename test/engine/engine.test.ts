// The queue an operator drives: pause, resume, cancel and retry at any moment, a restart that
// picks up where the last process stopped, and progress coalesced for the UI. Steps here are real
// Step objects that wait on their AbortSignal like the ingest and job steps do.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../main/engine/pipeline/engine';
import type { Step } from '../../main/engine/pipeline/step';
import { defaultSettings } from '../../main/engine/settings';
import type { ItemProgressEvent } from '../../shared/contract';

const dirs: string[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Steps that record each run and, for `upload`, wait until released (or aborted). */
function stepsWithGate() {
  const runs: string[] = [];
  let release: () => void = () => undefined;
  let gate = new Promise<void>((r) => (release = r));
  const quick = (stage: Step['stage']): Step => ({ stage, run: async () => void runs.push(stage) });
  const upload: Step = {
    stage: 'upload',
    run: (ctx) =>
      new Promise<void>((resolve, reject) => {
        runs.push('upload');
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
        void gate.then(resolve);
      }),
  };
  return {
    runs,
    steps: [quick('scan'), upload, quick('indexing'), quick('processing'), quick('export')],
    open: () => release(),
    close: () => (gate = new Promise<void>((r) => (release = r))),
  };
}

function engineOn(dataDir: string, steps: Step[]): Engine {
  const e = new Engine({ dataDir, steps, client: () => Promise.reject(new Error('offline')), settings: () => defaultSettings(dataDir) });
  engines.push(e);
  return e;
}

function dataDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-engine-'));
  dirs.push(d);
  return d;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const spec = { roots: ['/data/cams'], pipeline: 'full' as const, job: { workflowId: 'wf' }, outDir: '/tmp/out' };

describe('engine', () => {
  it('pauses mid-step and resumes without redoing finished steps', async () => {
    const g = stepsWithGate();
    const engine = engineOn(dataDir(), g.steps);
    const item = engine.add(spec);
    await until(() => g.runs.includes('upload'), 'upload to start');
    expect(engine.pause(item.id).state).toBe('paused');
    // Resumed at once, while the paused run is still unwinding (a quick double click).
    g.open();
    engine.resume(item.id);
    const done = await engine.waitFor(item.id);
    expect(done.state).toBe('done');
    expect(g.runs).toEqual(['scan', 'upload', 'upload', 'indexing', 'processing', 'export']);
  });

  it('cancel stops the running stage and skips the rest; retry runs only what is unfinished', async () => {
    const g = stepsWithGate();
    const engine = engineOn(dataDir(), g.steps);
    const item = engine.add(spec);
    await until(() => g.runs.includes('upload'), 'upload to start');
    const cancelled = engine.cancel(item.id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.stages).toMatchObject({ scan: 'done', upload: 'failed', indexing: 'skipped', processing: 'skipped', export: 'skipped', done: 'pending' });

    g.open();
    engine.retry(item.id);
    const done = await engine.waitFor(item.id);
    expect(done.state).toBe('done');
    expect(done.stages).toMatchObject({ scan: 'done', upload: 'done', indexing: 'done', processing: 'done', export: 'done', done: 'done' });
    expect(g.runs.filter((s) => s === 'scan')).toHaveLength(1);
  });

  it('a cancel whose job abort the running step sees first (its poll answered "aborted") still ends cancelled, not failed', async () => {
    let jobAborted: (err: Error) => void = () => undefined;
    const step = (stage: Step['stage'], poll = false): Step => ({
      stage,
      run: (ctx) =>
        new Promise<void>((resolve, reject) => {
          if (!poll) return resolve();
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
          jobAborted = reject;
        }),
    });
    const engine = engineOn(dataDir(), [step('scan'), step('upload'), step('indexing'), step('processing', true), step('export')]);
    const item = engine.add(spec);
    await until(() => engine.get(item.id)?.stage === 'processing', 'processing to start');
    const cancelled = await engine.cancelAfter(item.id, async () => {
      // the service took the abort, and the step's next poll says so before the cancel lands
      jobAborted(new Error('job job-1 was aborted'));
      await new Promise((r) => setTimeout(r, 20));
    });
    expect(cancelled.state).toBe('cancelled');
    expect((await engine.waitFor(item.id)).state).toBe('cancelled');
    expect(engine.get(item.id)?.error).toBeUndefined();
  });

  it('a cancel whose job abort fails leaves the item as it was', async () => {
    const g = stepsWithGate();
    const engine = engineOn(dataDir(), g.steps);
    const item = engine.add(spec);
    await until(() => g.runs.includes('upload'), 'upload to start');
    await expect(engine.cancelAfter(item.id, () => Promise.reject(new Error('service unreachable')))).rejects.toThrow('unreachable');
    expect(engine.get(item.id)?.state).toBe('running');
    g.open();
    expect((await engine.waitFor(item.id)).state).toBe('done');
  });

  it('a pause while the connection is still being made stops the step at once', async () => {
    const connecting = new Promise<never>(() => undefined); // a service that never answers
    const upload: Step = { stage: 'upload', run: async (ctx) => void (await ctx.client()) };
    const engine = new Engine({ dataDir: dataDir(), steps: [upload], client: () => connecting, settings: () => defaultSettings('/tmp') });
    const item = engine.add({ roots: ['/data/cams'], pipeline: 'ingest' });
    await until(() => engine.get(item.id)?.stage === 'upload', 'upload to start');
    engine.pause(item.id);
    await engine.close(); // waits for the run to end: it no longer waits for the connection
    expect(engine.get(item.id)?.state).toBe('paused');
  });

  it('an ingest-only item that is cancelled and retried still skips processing and export', async () => {
    const g = stepsWithGate();
    const engine = engineOn(dataDir(), g.steps);
    const item = engine.add({ roots: ['/data/cams'], pipeline: 'ingest' });
    await until(() => g.runs.includes('upload'), 'upload to start');
    engine.cancel(item.id);
    g.open();
    engine.retry(item.id);
    const done = await engine.waitFor(item.id);
    expect(done.stages).toMatchObject({ indexing: 'done', processing: 'skipped', export: 'skipped', done: 'done' });
    expect(g.runs).not.toContain('processing');
  });

  it('an existing batch (no scan, upload or indexing) that is cancelled and retried runs processing and export only', async () => {
    const runs: string[] = [];
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const step = (stage: Step['stage'], wait = false): Step => ({
      stage,
      run: (ctx) =>
        new Promise<void>((resolve, reject) => {
          runs.push(stage);
          if (!wait) return resolve();
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
          void gate.then(resolve);
        }),
    });
    const engine = engineOn(dataDir(), [step('scan'), step('upload'), step('indexing'), step('processing', true), step('export')]);
    const item = engine.addExisting({ roots: [], pipeline: 'full', batchId: 'made-elsewhere', job: { workflowId: 'wf' }, outDir: '/tmp/out' });
    await until(() => runs.includes('processing'), 'processing to start');
    engine.cancel(item.id);
    release();
    engine.retry(item.id);
    const done = await engine.waitFor(item.id);
    expect(done.stages).toMatchObject({ scan: 'skipped', upload: 'skipped', indexing: 'skipped', processing: 'done', export: 'done' });
    expect(runs).toEqual(['processing', 'processing', 'export']);
  });

  it('after the process stops mid-step, the next one resumes the item from that step', async () => {
    const dir = dataDir();
    const first = stepsWithGate();
    const before = engineOn(dir, first.steps);
    const item = before.add(spec);
    await until(() => first.runs.includes('upload'), 'upload to start');
    await before.close(); // shutdown: not paused, not failed

    const second = stepsWithGate();
    second.open();
    const after = engineOn(dir, second.steps);
    expect(after.resumeAll().map((s) => s.id)).toEqual([item.id]);
    const done = await after.waitFor(item.id);
    expect(done.state).toBe('done');
    expect(second.runs).toEqual(['upload', 'indexing', 'processing', 'export']);
  });

  it('an item whose record cannot be saved as it fails still shows failed, with the step\'s reason', async () => {
    // The item's folder in the data dir stops taking writes (here: a file where it was), and then
    // the step fails: saving the failure fails too. It used to leave the item "running" and throw
    // where nobody caught it (an unhandled rejection ends a Node process).
    const dir = dataDir();
    const engine = engineOn(dir, [
      {
        stage: 'scan',
        run: async (ctx) => {
          fs.rmSync(ctx.itemDir, { recursive: true, force: true });
          fs.writeFileSync(ctx.itemDir, 'not a folder');
          throw new Error('The disk is full.');
        },
      },
    ]);
    const seen: string[] = [];
    engine.on('item', (s: { state: string }) => seen.push(s.state));
    const item = engine.add(spec);
    const done = await engine.waitFor(item.id);
    expect(done.state).toBe('failed');
    expect(done.error?.message).toBe('The disk is full.');
    expect(seen.at(-1)).toBe('failed');
  });

  it('closing answers whoever waits for an item still queued (an interrupted resume says so)', async () => {
    const gated = stepsWithGate();
    const dir = dataDir();
    const engine = new Engine({ dataDir: dir, steps: gated.steps, client: () => Promise.reject(new Error('offline')), settings: () => defaultSettings(dir), maxConcurrentItems: 1 });
    engines.push(engine);
    engine.add(spec);
    const second = engine.add(spec);
    await until(() => gated.runs.includes('upload'), 'the first item to upload');
    const waited = engine.waitFor(second.id);
    await engine.close();
    expect((await waited).state).toBe('queued');
  });

  it('coalesces a burst of progress to a few events, the last carrying the final figures', async () => {
    const events: ItemProgressEvent[] = [];
    const burst: Step = {
      stage: 'upload',
      run: async (ctx) => {
        for (let i = 1; i <= 1000; i++) ctx.progress({ files: { done: i, total: 1000 } });
      },
    };
    const engine = engineOn(dataDir(), [burst]);
    engine.on('progress', (e) => events.push(e));
    const item = engine.add({ roots: ['/data/cams'], pipeline: 'ingest' });
    await engine.waitFor(item.id);
    await new Promise((r) => setTimeout(r, 150));
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThanOrEqual(3);
    expect(events.at(-1)!.progress.files).toEqual({ done: 1000, total: 1000 });
  });
});
