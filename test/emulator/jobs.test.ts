import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract as tarExtract } from 'tar-stream';
import { type Emulator } from './server';
import { type FaultConfig } from './faults';
import { type TarEntry, makePngSet } from './fixtures';
import { predictImage } from './prediction';
import { ISO_TZ, KEY, asBody, client, type Client, minimalJob, start, uploadShard, waitFor, waitTerminal } from './testkit';

let emu: Emulator;
let c: Client;

beforeAll(async () => {
  emu = await start();
  c = client(emu);
  await uploadShard(c, 'in-a', makePngSet(300, 'a'));
});
afterAll(async () => {
  await emu.stop();
});

async function untarGz(buf: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const ex = tarExtract();
  const done = (async () => {
    for await (const e of ex) {
      const chunks: Buffer[] = [];
      for await (const ch of e) chunks.push(Buffer.from(ch as Uint8Array));
      out.set(e.header.name, Buffer.concat(chunks));
    }
  })();
  ex.end(gunzipSync(buf));
  await done;
  return out;
}

async function exportedRows(jobId: string): Promise<{ members: string[]; rows: string[] }> {
  const job = (await c.get(c.bp(`/${jobId}`))).body.job;
  const exportBatch = job.lastNotification.resultsBatches[0] as string;
  const parts = (await c.get(c.ds(`/${exportBatch}/parts`))).body.batchParts;
  const files = (await c.get(c.ds(`/${exportBatch}/list`), { partName: parts[0].partName })).body.filesMetadata as { downloadURL: string }[];
  const members: string[] = [];
  const rows: string[] = [];
  for (const f of files) {
    const m = await untarGz(Buffer.from(await (await fetch(f.downloadURL)).arrayBuffer()));
    for (const [name, data] of m) {
      members.push(name);
      rows.push(...data.toString('utf8').split('\n').filter((l) => l !== ''));
    }
  }
  return { members, rows };
}

describe('create job validation', () => {
  it('accepts the CLI minimal body and answers {status: ok}', async () => {
    const r = await c.post(c.bp('/job-min'), { json: minimalJob('in-a') });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('ok');
  });

  const cases: [string, (b: Record<string, any>) => void][] = [
    ['unknown snake_case top-level key', (b) => (b.job_input = b.jobInput)],
    ['unknown camelCase top-level key', (b) => (b.somethingElse = 1)],
    ['missing type', (b) => delete b.type],
    ['bad type', (b) => (b.type = 'simple-image-processing-v2')],
    ['missing jobInput.batchId', (b) => delete b.jobInput.batchId],
    ['bad jobInput.type', (b) => (b.jobInput.type = 'x')],
    ['snake_case nested key', (b) => (b.jobInput.batch_id = 'in-a')],
    ['bad computeConfiguration.type', (b) => (b.computeConfiguration.type = 'compute-configuration-v1')],
    ['bad machineType', (b) => (b.computeConfiguration.machineType = 'tpu')],
    ['workersPerMachine not 1, 2, 4 or 8', (b) => (b.computeConfiguration.workersPerMachine = 3)],
    ['workersPerMachine above 8', (b) => (b.computeConfiguration.workersPerMachine = 16)],
    ['missing persistImagesOutputs', (b) => delete b.processingSpecification.persistImagesOutputs],
    ['missing workflowId', (b) => delete b.processingSpecification.workflowId],
    ['wrong workspace', (b) => (b.processingSpecification.workspace = 'other')],
    ['bad processingSpecification.type', (b) => (b.processingSpecification.type = 'x')],
    ['maxImageFailureRate > 1', (b) => (b.maxImageFailureRate = 1.5)],
    ['maxImageFailureRate < 0', (b) => (b.maxImageFailureRate = -0.1)],
    ['null field', (b) => (b.maxParallelTasks = null)],
    ['notificationsUrl casing', (b) => (b.notificationsUrl = 'https://x.y')],
    ['empty notificationsURL', (b) => (b.notificationsURL = '')],
    ['bad aggregationFormat', (b) => (b.processingSpecification.aggregationFormat = 'parquet')],
    ['input batch does not exist', (b) => (b.jobInput.batchId = 'no-such-batch')],
    ['invalid input batch id', (b) => (b.jobInput.batchId = 'Bad Id')],
    ['maxVideoFPS on an image job', (b) => (b.processingSpecification.maxVideoFPS = 5)],
    ['partName on a non-multipart batch', (b) => (b.jobInput.partName = 'x')],
  ];
  for (const [name, mutate] of cases) {
    it(`400: ${name}`, async () => {
      const body = structuredClone(minimalJob('in-a'));
      mutate(body);
      const r = await c.post(c.bp('/job-bad'), { json: body });
      expect(r.status).toBe(400);
      expect(typeof r.body.message).toBe('string');
      expect(typeof r.body.error).toBe('string');
    });
  }

  it('400 when the input batch has no indexed files; 415 without JSON content type; 501 for TRT', async () => {
    await c.post(c.ds('/empty-in/bulk-upload/image-files'));
    expect((await c.post(c.bp('/job-empty'), { json: minimalJob('empty-in') })).status).toBe(400);
    const raw = await c.post(c.bp('/job-ct'), { body: JSON.stringify(minimalJob('in-a')), headers: { 'content-type': 'text/plain' } });
    expect(raw.status).toBe(415);
    const trt = await c.post(c.bp('/job-trt'), { json: { type: 'trt-compilation-v1', modelId: 'p/1', compilationDevices: ['nvidia-l4'] } });
    expect(trt.status).toBe(501);
    expect((await c.get(c.bp('/job-bad'))).status).toBe(404); // nothing was created by the failures
  });

  it('is idempotent for the same body (key order irrelevant) and 409 for a different one', async () => {
    const body = minimalJob('in-a');
    expect((await c.post(c.bp('/job-idem'), { json: body })).status).toBe(200);
    const reordered = JSON.parse(JSON.stringify({ processingSpecification: body.processingSpecification, computeConfiguration: body.computeConfiguration, jobInput: body.jobInput, type: body.type }));
    expect((await c.post(c.bp('/job-idem'), { json: reordered })).status).toBe(200);
    const other = { ...structuredClone(body), maxParallelTasks: 2 };
    const r = await c.post(c.bp('/job-idem'), { json: other });
    expect(r.status).toBe(409);
    const rec = emu.inspect.jobs().find((j) => j.jobId === 'job-idem')!;
    expect(rec.createCalls).toBe(2);
    expect(rec.conflicts).toBe(1);
    const list = (await c.get(c.bp(''), { pageSize: '100' })).body.jobs as { jobId: string }[];
    expect(list.filter((j) => j.jobId === 'job-idem')).toHaveLength(1);
  });
});

describe('job lifecycle', () => {
  it('runs processing then export and produces one prediction per image', async () => {
    const r = await c.post(c.bp('/job-full'), { json: minimalJob('in-a'), query: { name: 'Full run' } });
    expect(r.status).toBe(200);
    const job = await waitTerminal(c, 'job-full');
    expect(job).toMatchObject({ jobId: 'job-full', name: 'Full run', isTerminal: true, error: false, plannedStages: ['processing', 'export'], currentStage: 'export', restartParametersOverride: [] });
    expect(job.jobDefinition).toEqual(minimalJob('in-a'));
    expect(job.createdAt).toMatch(ISO_TZ);
    expect(job.lastUpdate).toMatch(ISO_TZ);
    expect(job.lastNotification.resultsBatches).toEqual(['job-full-export']);
    expect(typeof job.lastNotification.message).toBe('string');

    const stages = (await c.get(c.bp('/job-full/stages'))).body.stages as Record<string, any>[];
    expect(stages.map((s) => s.processingStageName)).toEqual(['processing', 'export']);
    for (const s of stages) {
      expect(Object.keys(s).sort()).toEqual(['lastEventTimestamp', 'notification', 'outputBatches', 'processingStageId', 'processingStageName', 'startTimestamp', 'statusType', 'tasksNumber']);
      expect(s.tasksNumber).toBeGreaterThanOrEqual(1);
      expect(s.startTimestamp).toMatch(ISO_TZ);
      expect(s.lastEventTimestamp).toMatch(ISO_TZ);
      expect(s.statusType).toBe('success');
      expect(Array.isArray(s.outputBatches)).toBe(true);
    }
    expect(stages[0]!.tasksNumber).toBe(2); // 300 images in chunks of 256
    expect(stages[0]!.outputBatches).toEqual(['job-full-processing']);
    expect(stages[1]!.outputBatches).toEqual(['job-full-export']);

    const t1 = (await c.get(c.bp(`/job-full/stages/${stages[0]!.processingStageId}/tasks`), { pageSize: '1' })).body;
    expect(t1.tasks).toHaveLength(1);
    expect(typeof t1.nextPageToken).toBe('string');
    const t2 = (await c.get(c.bp(`/job-full/stages/${stages[0]!.processingStageId}/tasks`), { pageSize: '1', nextPageToken: t1.nextPageToken })).body;
    expect(t2.tasks).toHaveLength(1);
    expect(t2.nextPageToken).toBeNull();
    for (const t of [...t1.tasks, ...t2.tasks]) {
      expect(t).toMatchObject({ statusType: 'success', progress: 1 });
      expect(t.eventTimestamp).toMatch(ISO_TZ);
      expect(typeof t.taskId).toBe('string');
      expect(t.notification).toBeTruthy();
    }
    expect((await c.get(c.bp('/job-full/stages/nope/tasks'))).status).toBe(404);

    // processing output batch: multipart with a predictions part of jsonl files
    const proc = (await c.get(c.ds('/job-full-processing'))).body.batch;
    expect(proc.batchType).toBe('multipart-batch');
    const pparts = (await c.get(c.ds('/job-full-processing/parts'))).body.batchParts;
    expect(pparts).toEqual([expect.objectContaining({ partName: 'predictions', contentType: 'metadata' })]);
    const pfiles = (await c.get(c.ds('/job-full-processing/list'), { partName: 'predictions' })).body.filesMetadata as { fileName: string }[];
    expect(pfiles.map((f) => f.fileName).sort()).toEqual(['predictions-1.jsonl', 'predictions-2.jsonl']);
    expect((await c.get(c.ds('/job-full-processing/count'), { partName: 'predictions' })).body.count).toBe(2);
    expect((await c.get(c.ds('/job-full-processing/list'))).status).toBe(400); // multipart needs partName
    expect((await c.get(c.ds('/job-full-processing/list'), { partName: 'nope' })).status).toBe(404);

    const eparts = (await c.get(c.ds('/job-full-export/parts'))).body.batchParts;
    expect(eparts).toEqual([{ partName: 'export', partType: 'simple-batch', contentType: 'archives', nestedContentType: 'metadata', partDescription: expect.any(String) }]);
    const efiles = (await c.get(c.ds('/job-full-export/list'), { partName: 'export' })).body.filesMetadata;
    expect(efiles[0]).toMatchObject({ fileName: 'export-1.tar.gz', contentType: 'archives', nestedContentType: 'metadata' });
    // partName is optional in the listing (3.5): left out unless a test asks for it
    expect(efiles[0]).not.toHaveProperty('partName');
    emu.setFaults({ listPartName: true });
    const named = (await c.get(c.ds('/job-full-export/list'), { partName: 'export' })).body.filesMetadata;
    emu.setFaults({});
    expect(named[0]).toMatchObject({ fileName: 'export-1.tar.gz', partName: 'export' });

    const { members, rows } = await exportedRows('job-full');
    expect(members.sort()).toEqual(['predictions/predictions-1.jsonl', 'predictions/predictions-2.jsonl']);
    expect(rows).toHaveLength(300);
    const expected = new Map(makePngSet(300, 'a').map((e: TarEntry) => [e.name, predictImage(e.data, e.name)]));
    const seen = new Set<string>();
    for (const line of rows) {
      const row = JSON.parse(line) as { file_name: string; predictions: unknown };
      expect(Object.keys(row).sort()).toEqual(['file_name', 'predictions']);
      expect(row.predictions).toEqual(expected.get(row.file_name));
      seen.add(row.file_name);
    }
    expect(seen.size).toBe(300);
  });

  it('writes CSV with RFC 4180 quoting when aggregationFormat is csv', async () => {
    const body = minimalJob('in-a');
    body.processingSpecification.aggregationFormat = 'csv';
    await c.post(c.bp('/job-csv'), { json: body });
    await waitTerminal(c, 'job-csv');
    const pfiles = (await c.get(c.ds('/job-csv-processing/list'), { partName: 'predictions' })).body.filesMetadata as { fileName: string; downloadURL: string }[];
    expect(pfiles.map((f) => f.fileName).sort()).toEqual(['predictions-1.csv', 'predictions-2.csv']);
    const text = await (await fetch(pfiles.find((f) => f.fileName === 'predictions-1.csv')!.downloadURL)).text();
    const lines = text.split('\r\n').filter((l) => l !== '');
    expect(lines[0]).toBe('file_name,predictions');
    expect(lines).toHaveLength(257);
    const m = /^([^,]+),"(.*)"$/.exec(lines[1]!)!;
    const pred = JSON.parse(m[2]!.replace(/""/g, '"'));
    const entry = makePngSet(300, 'a').find((e) => e.name === m[1])!;
    expect(pred).toEqual(predictImage(entry.data, entry.name));
  });

  it('lists jobs newest first with nextPageToken always present', async () => {
    const p1 = (await c.get(c.bp(''), { pageSize: '2' })).body;
    expect(p1.jobs).toHaveLength(2);
    expect(p1.nextPageToken).not.toBeNull();
    for (const j of p1.jobs) {
      expect(j.createdAt).toMatch(ISO_TZ);
      expect(j.lastUpdate).toMatch(ISO_TZ);
      expect(j).toHaveProperty('jobDefinition');
    }
    let token = p1.nextPageToken as string | null;
    const all = [...p1.jobs];
    while (token) {
      const p = (await c.get(c.bp(''), { pageSize: '2', nextPageToken: token })).body;
      expect('nextPageToken' in p).toBe(true);
      all.push(...p.jobs);
      token = p.nextPageToken;
    }
    expect(new Set(all.map((j) => j.jobId)).size).toBe(all.length);
    const times = all.map((j) => new Date(j.createdAt).getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });
});

describe('timing, abort, restart, logs', () => {
  it('evolves over simulated time, can be aborted, restarted with overrides, and logs', async () => {
    const slow = await start({ timeScale: 0.1 }); // start 500 ms, task ~210 ms, export 200 ms
    try {
      const sc = client(slow);
      await uploadShard(sc, 'in-s', makePngSet(10, 's'));
      expect((await sc.post(sc.bp('/job-slow'), { json: minimalJob('in-s') })).status).toBe(200);
      const queued = (await sc.get(sc.bp('/job-slow'))).body.job;
      expect(queued).toMatchObject({ isTerminal: false, error: false, currentStage: null });
      expect((await sc.get(sc.bp('/job-slow/stages'))).body.stages).toEqual([]);
      await waitFor(async () => (await sc.get(sc.bp('/job-slow'))).body.job.currentStage === 'processing');
      const st = (await sc.get(sc.bp('/job-slow/stages'))).body.stages;
      expect(st[0].statusType).toBe('info');
      const tasks = (await sc.get(sc.bp(`/job-slow/stages/${st[0].processingStageId}/tasks`))).body;
      expect(tasks.nextPageToken).toBeNull();
      expect(tasks.tasks[0].statusType).toBe('info');
      expect(tasks.tasks[0].progress === null || (tasks.tasks[0].progress >= 0 && tasks.tasks[0].progress <= 1)).toBe(true);

      const ab = await sc.post(sc.bp('/job-slow/abort'));
      expect(ab.status).toBe(200);
      expect(typeof ab.body).toBe('object');
      const aborted = (await sc.get(sc.bp('/job-slow'))).body.job;
      expect(aborted).toMatchObject({ isTerminal: true, error: true });
      const ast = (await sc.get(sc.bp('/job-slow/stages'))).body.stages;
      expect(ast[0].statusType).toMatch(/error/);
      // abort of a terminal job is still 200 and changes nothing
      expect((await sc.post(sc.bp('/job-slow/abort'))).status).toBe(200);
      await new Promise((r) => setTimeout(r, 300));
      expect((await sc.get(sc.bp('/job-slow'))).body.job.isTerminal).toBe(true);

      const bad = await sc.post(sc.bp('/job-slow/restart'), { json: { type: 'parameters-override-v1', max_parallel_tasks: 2 } });
      expect(bad.status).toBe(400);
      const rs = await sc.post(sc.bp('/job-slow/restart'), { json: { type: 'parameters-override-v1', maxParallelTasks: 2, computeConfiguration: { type: 'compute-configuration-v2', machineType: 'gpu' } } });
      expect(rs.status).toBe(200);
      const restarted = (await sc.get(sc.bp('/job-slow'))).body.job;
      expect(restarted).toMatchObject({ isTerminal: false, error: false });
      expect(restarted.restartParametersOverride).toEqual([{ type: 'parameters-override-v1', maxParallelTasks: 2, computeConfiguration: { type: 'compute-configuration-v2', machineType: 'gpu' } }]);
      // restart while running → 409
      expect((await sc.post(sc.bp('/job-slow/restart'))).status).toBe(409);
      const done = await waitTerminal(sc, 'job-slow');
      expect(done.error).toBe(false);
      // restart of a successful job → 409
      expect((await sc.post(sc.bp('/job-slow/restart'))).status).toBe(409);

      const logs = (await sc.get(sc.bp('/job-slow/logs'))).body;
      expect(logs.nextPageToken).toBeNull();
      const types = logs.logs.map((l: { logType: string }) => l.logType);
      expect(types).toEqual(expect.arrayContaining(['job-created', 'job-aborted', 'job-restarted', 'task-completed', 'job-completed']));
      for (const l of logs.logs) {
        expect(l.createdAt).toMatch(ISO_TZ);
        expect(['info', 'warning', 'error']).toContain(l.severity);
        expect(typeof l.reportingModule).toBe('string');
        expect(typeof l.payload).toBe('object');
      }
      const warn = (await sc.get(sc.bp('/job-slow/logs'), { severity: 'warning' })).body.logs;
      expect(warn.length).toBeGreaterThan(0);
      expect(warn.every((l: { severity: string }) => l.severity === 'warning')).toBe(true);
      expect((await sc.get(sc.bp('/job-slow/logs'), { severity: 'debug' })).status).toBe(400);
      expect((await sc.get(sc.bp('/job-slow/logs'), { pageSize: '2' })).body.logs).toHaveLength(2);
      const rec = slow.inspect.jobs().find((j) => j.jobId === 'job-slow')!;
      expect(rec).toMatchObject({ restarts: 1, aborts: 2, createCalls: 1 });
    } finally {
      await slow.stop();
    }
  });

  it('restart accepts an empty body (no Content-Type) on a failed job', async () => {
    const f = await start({ faults: { seed: 1, imageFailureRate: 1 } });
    try {
      const fc = client(f);
      await uploadShard(fc, 'in-f', makePngSet(20, 'f'));
      await fc.post(fc.bp('/job-fail'), { json: minimalJob('in-f') });
      const failed = await waitTerminal(fc, 'job-fail');
      expect(failed.error).toBe(true);
      expect(failed.lastNotification.resultsBatches).toBeUndefined();
      const errs = (await fc.get(fc.bp('/job-fail/logs'), { severity: 'error' })).body.logs;
      expect(errs.some((l: { logType: string }) => l.logType === 'image-processing-error')).toBe(true);
      const stages = (await fc.get(fc.bp('/job-fail/stages'))).body.stages;
      expect(stages).toHaveLength(1);
      expect(stages[0].statusType).toBe('error');
      const r = await fetch(`${fc.bp('/job-fail/restart')}?api_key=${KEY}`, { method: 'POST' });
      expect(r.status).toBe(200);
      const again = await waitTerminal(fc, 'job-fail');
      expect(again.error).toBe(true);
      expect(again.restartParametersOverride).toEqual([]);
      // with a tolerant failure rate the restart succeeds and failed rows are marked
      await fc.post(fc.bp('/job-fail/restart'), { json: { type: 'parameters-override-v1', maxImageFailureRate: 1 } });
      const ok = await waitTerminal(fc, 'job-fail');
      expect(ok.error).toBe(false);
      const pf = (await fc.get(fc.ds('/job-fail-processing/list'), { partName: 'predictions' })).body.filesMetadata;
      const row = JSON.parse((await (await fetch(pf[0].downloadURL)).text()).split('\n')[0]!);
      expect(row.predictions).toBeNull();
      expect(typeof row.error).toBe('string');
    } finally {
      await f.stop();
    }
  });

  it('image failures are deterministic from the seed and honour maxImageFailureRate', async () => {
    const e = await start();
    try {
      const ec = client(e);
      await uploadShard(ec, 'in-d', makePngSet(80, 'd'));
      let n = 0;
      const run = async (faults: FaultConfig, max: number | undefined) => {
        e.setFaults(faults);
        const jobId = `job-d${n++}`;
        const body = minimalJob('in-d');
        if (max !== undefined) body.maxImageFailureRate = max;
        await ec.post(ec.bp(`/${jobId}`), { json: body });
        const job = await waitTerminal(ec, jobId);
        const url = (await ec.get(ec.ds(`/${jobId}-processing/list`), { partName: 'predictions' })).body.filesMetadata[0].downloadURL as string;
        const rows = (await (await fetch(url)).text())
          .split('\n')
          .filter((l) => l)
          .map((l) => JSON.parse(l) as { file_name: string; error?: string });
        return { error: job.error as boolean, failed: rows.filter((r) => r.error).map((r) => r.file_name) };
      };
      const a = await run({ seed: 7, imageFailureRate: 0.3 }, 0.5);
      const b = await run({ seed: 7, imageFailureRate: 0.3 }, 0.5);
      const other = await run({ seed: 8, imageFailureRate: 0.3 }, 0.5);
      expect(a.failed.length).toBeGreaterThan(10);
      expect(a.failed.length).toBeLessThan(40);
      expect(a.failed).toEqual(b.failed);
      expect(other.failed).not.toEqual(a.failed);
      expect(a.error).toBe(false);
      expect((await run({ seed: 7, imageFailureRate: 0.3 }, 0.1)).error).toBe(true);
      expect((await run({ seed: 7, imageFailureRate: 0.3 }, undefined)).error).toBe(true); // default: > 10 failures per task
      expect(await run({ seed: 7 }, undefined)).toEqual({ error: false, failed: [] });
    } finally {
      await e.stop();
    }
  });

  it('runs video jobs with one task per video', async () => {
    const v = await start();
    try {
      const vc = client(v);
      const vids = [Buffer.alloc(5000, 1), Buffer.alloc(7000, 2), Buffer.alloc(3000, 3)];
      for (const [i, data] of vids.entries()) {
        const d = (await vc.post(vc.ds('/in-v/upload/video'), { query: { fileName: `v${i}.mp4` } })).body.signedURLDetails;
        const r = await fetch(d.uploadURL, { method: 'PUT', body: asBody(data), headers: d.extensionHeaders });
        expect(r.status).toBe(200);
      }
      const imageJob = await vc.post(vc.bp('/job-v-img'), { json: minimalJob('in-v') });
      expect(imageJob.status).toBe(400); // an image job on a video batch
      const body = minimalJob('in-v');
      body.type = 'simple-video-processing-v1';
      body.processingSpecification.maxVideoFPS = 5;
      const withRate = { ...structuredClone(body), maxImageFailureRate: 0.1 };
      expect((await vc.post(vc.bp('/job-v'), { json: withRate })).status).toBe(400);
      expect((await vc.post(vc.bp('/job-v'), { json: body })).status).toBe(200);
      const job = await waitTerminal(vc, 'job-v');
      expect(job.error).toBe(false);
      // a restart body is checked against the job's kind before its state: the rate is for images only
      const rateOverride = { type: 'parameters-override-v1', maxImageFailureRate: 0.1 };
      expect((await vc.post(vc.bp('/job-v/restart'), { json: rateOverride })).status).toBe(400);
      expect((await vc.post(vc.bp('/job-v/restart'), { json: { type: 'parameters-override-v1', maxParallelTasks: 2 } })).status).toBe(409);
      const st = (await vc.get(vc.bp('/job-v/stages'))).body.stages;
      expect(st[0].tasksNumber).toBe(3);
      const pf = (await vc.get(vc.ds('/job-v-processing/list'), { partName: 'predictions' })).body.filesMetadata as { fileName: string; downloadURL: string }[];
      expect(pf).toHaveLength(3);
      for (const f of pf) {
        const row = JSON.parse((await (await fetch(f.downloadURL)).text()).trim());
        const i = Number(/v(\d)\.mp4/.exec(row.file_name)![1]);
        expect(row.predictions).toEqual(predictImage(vids[i]!, row.file_name));
      }
    } finally {
      await v.stop();
    }
  });
});
