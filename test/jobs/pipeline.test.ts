// The whole pipeline in process against the emulator: a nested folder in, results.jsonl out with one
// row per image carrying its source path and the emulator's prediction for those very bytes.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import type { Emulator } from '../emulator/server';
import { predictImage } from '../emulator/prediction';
import { fullEngine, makeTree, readResults, startEmu } from './helpers';
import { readJobStages } from '../../main/engine/jobs/job-view';
import { readResultsPreview } from '../../main/engine/export/results-preview';

let emu: Emulator | undefined;
const scratch = useScratch();

function sumArchiveBytes(files: { size: number }[] | null): number {
  return (files ?? []).reduce((n, f) => n + f.size, 0);
}

describe('run: ingest → job → export → results', () => {
  it('joins the emulator prediction of every one of 1,000 nested images back to its source path', async () => {
    emu = scratch.server(await startEmu());
    const root = scratch.dir('jobs-src');
    const data = scratch.dir('jobs-data');
    const out = path.join(scratch.dir('jobs-out'), 'results here');
    const sources = makeTree(root, 1000, { dirs: 12 });
    const engine = fullEngine(emu, data);
    const item = engine.add({ roots: [root], pipeline: 'full', job: { workflowId: 'wf', aggregationFormat: 'jsonl' }, outDir: out });
    const done = await engine.waitFor(item.id);
    await engine.close();
    expect(done.error?.message).toBeUndefined();
    expect(done.state).toBe('done');
    expect(done.jobId).toMatch(/^job-[a-z0-9]{12}$/);

    const rows = readResults(out);
    expect(rows).toHaveLength(1000);
    const bySource = new Map(rows.map((r) => [r.sourcePath, r]));
    expect([...bySource.keys()].sort()).toEqual([...sources].sort());
    for (const src of sources) {
      const row = bySource.get(src)!;
      expect(row.status).toBe('ok');
      expect(row.prediction).toEqual(predictImage(fs.readFileSync(src), row.batchName!));
    }
    // One job, created once; stages kept for the UI; progress figures reached the end.
    const jobs = emu.inspect.jobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.createCalls).toBe(1);
    const stages = readJobStages(engine.itemDir(item.id));
    expect(stages.map((s) => s.name)).toEqual(['processing', 'export']);
    expect(stages[0]!.tasks).toMatchObject({ total: 4, succeeded: 4, failed: 0, fraction: 1 });
    expect(done.progress.tasks?.fraction).toBe(1);
    expect(done.progress.exportFiles).toEqual({ done: 1, total: 1 });
    expect(done.progress.exportBytes?.done).toBe(sumArchiveBytes(await emu.inspect.files(`${done.jobId}-export`)));
    expect(done.expiresAt).toBeTruthy();
    const preview = readResultsPreview(out, 5);
    expect(preview.rows).toHaveLength(5);
    expect(preview.totalRows).toBe(1000);
  });

  it('completes under 503/429 while polling, downloads cut midway and expiring links, fetching only missing bytes', async () => {
    emu = scratch.server(await startEmu({
      seed: 11,
      signedUrlTtlSeconds: 1,
      rules: [
        { route: 'get-job', kind: 'status', status: 503, rate: 0.3 },
        { route: 'stages', kind: 'status', status: 429, rate: 0.3, retryAfterSeconds: 0 },
        { route: 'tasks', kind: 'status', status: 503, rate: 0.2 },
        // The first download waits past its link's expiry (403), then transfers are cut.
        { route: 'storage-get', kind: 'latency', ms: 1200, times: 1 },
        { route: 'storage-get', kind: 'truncate', afterBytes: 1500, times: 3 },
        { route: 'storage-get', kind: 'reset-response', afterBytes: 1000, times: 2 },
      ],
    }));
    const root = scratch.dir('jobs-src');
    const data = scratch.dir('jobs-data');
    const out = scratch.dir('jobs-out');
    // Enough images for several prediction files and a multi-kilobyte archive.
    const sources = makeTree(root, 600, { dirs: 5 });
    const engine = fullEngine(emu, data);
    const item = engine.add({ roots: [root], pipeline: 'full', job: { workflowId: 'wf' }, outDir: out });
    const done = await engine.waitFor(item.id);
    await engine.close();
    expect(done.error?.message).toBeUndefined();
    expect(done.state).toBe('done');

    const rows = readResults(out);
    expect(rows).toHaveLength(600);
    expect(rows.every((r) => r.status === 'ok')).toBe(true);
    expect(new Set(rows.map((r) => r.sourcePath))).toEqual(new Set(sources));

    const requests = emu.inspect.requests();
    expect(requests['get-job']!.faulted + requests['stages']!.faulted).toBeGreaterThan(0);
    // The expired link was refreshed by listing the batch again.
    expect(requests['list-content']!.attempts).toBeGreaterThanOrEqual(2);
    // Every archive was fetched from byte 0 once, then only from where the last attempt stopped.
    const downloads = emu.inspect.downloads().filter((d) => d.batchId === `${done.jobId}-export`);
    expect(downloads.length).toBeGreaterThan(0);
    const resumed = downloads.filter((d) => d.ranges.length > 0);
    expect(resumed.length).toBeGreaterThan(0);
    for (const d of downloads) {
      // (A request cut before its first byte reached us is retried from byte 0 without a Range;
      // that fetches nothing twice, as the byte count below shows.)
      expect(d.requests).toBeGreaterThan(d.ranges.length);
      const starts = d.ranges.map((r) => Number(/^bytes=(\d+)-$/.exec(r)![1]));
      // A reset may deliver nothing, so the next attempt may start where the last one did; never earlier.
      for (let i = 0; i < starts.length; i++) expect(starts[i]).toBeGreaterThanOrEqual(i === 0 ? 1 : starts[i - 1]!);
    }
    // What reached us adds up to exactly the archives' sizes: no byte was fetched twice.
    const archives = await emu.inspect.files(`${done.jobId}-export`);
    expect(done.progress.exportBytes?.done).toBe(sumArchiveBytes(archives));
  });
});

describe('an output folder used again', () => {
  it("holds the new job's results only, not the predictions an earlier job left there", async () => {
    emu = scratch.server(await startEmu());
    const root = path.join(scratch.dir('again-src'), 'site'); // one folder name: the same batch names twice
    const data = scratch.dir('again-data');
    const out = scratch.dir('again-out');
    const first = makeTree(root, 20, { dirs: 2 });
    const engine = fullEngine(emu, data);
    const earlier = engine.add({ roots: [root], pipeline: 'full', job: { workflowId: 'wf' }, outDir: out });
    expect((await engine.waitFor(earlier.id)).state).toBe('done');
    for (const f of first.slice(10)) fs.rmSync(f);
    const later = engine.add({ roots: [root], pipeline: 'full', job: { workflowId: 'wf' }, outDir: out });
    expect((await engine.waitFor(later.id)).state).toBe('done');
    await engine.close();

    const rows = readResults(out);
    expect(rows.map((r) => r.sourcePath).sort()).toEqual(first.slice(0, 10).sort());
    // one prediction each, not the earlier job's joined to it
    expect(rows.filter((r) => r.status !== 'ok' || Array.isArray(r.prediction))).toEqual([]);
  });
});

describe('run with images and videos', () => {
  it('starts an image job and a video job, and joins both back', async () => {
    emu = scratch.server(await startEmu());
    const root = scratch.dir('jobs-src');
    const data = scratch.dir('jobs-data');
    const out = scratch.dir('jobs-out');
    const images = makeTree(root, 12, { dirs: 2 });
    const videos = ['clips/a.mp4', 'clips/b.mov'].map((rel, i) => {
      const p = path.join(root, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, Buffer.alloc(20_000 + i, i + 1));
      return p;
    });
    const engine = fullEngine(emu, data);
    const item = engine.add({ roots: [root], pipeline: 'full', job: { workflowId: 'wf', maxVideoFps: 5, maxImageFailureRate: 0.2 }, outDir: out });
    const done = await engine.waitFor(item.id);
    await engine.close();
    expect(done.error?.message).toBeUndefined();
    expect(done.state).toBe('done');
    const jobs = emu.inspect.jobs();
    expect(jobs.map((j) => (j.job.jobDefinition as { type: string }).type).sort()).toEqual(['simple-image-processing-v1', 'simple-video-processing-v1']);
    const video = jobs.find((j) => (j.job.jobDefinition as { type: string }).type === 'simple-video-processing-v1')!;
    expect(video.job.jobDefinition).not.toHaveProperty('maxImageFailureRate');
    expect((video.job.jobDefinition as { processingSpecification: Record<string, unknown> }).processingSpecification.maxVideoFPS).toBe(5);
    const rows = readResults(out);
    expect(rows).toHaveLength(14);
    expect(new Set(rows.map((r) => r.sourcePath))).toEqual(new Set([...images, ...videos]));
    expect(rows.every((r) => r.status === 'ok')).toBe(true);
  });
});
