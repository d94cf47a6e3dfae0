import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator } from './server';
import { FaultEngine, type FaultConfig, validateFaultConfig } from './faults';
import { makePng, makePngSet, makeTar } from './fixtures';
import { KEY, client, type Client, bulkUrl, minimalJob, putSigned, rawHttp, start, uploadShard, waitFor, waitTerminal, withQuery } from './testkit';

describe('FaultEngine', () => {
  const cfg: FaultConfig = {
    seed: 42,
    rules: [
      { route: 'count', rate: 0.5, kind: 'status', status: 503 },
      { route: '*', rate: 0.2, kind: 'status', status: 429, retryAfterSeconds: 1 },
    ],
  };
  const seq = (e: FaultEngine, route: 'count' | 'list-batches', n: number) => Array.from({ length: n }, () => e.decide(route).fault?.status ?? 0);

  it('same seed → same sequence; another seed → another sequence', () => {
    const a = seq(new FaultEngine(cfg), 'count', 200);
    const b = seq(new FaultEngine(cfg), 'count', 200);
    expect(a).toEqual(b);
    expect(a.filter((x) => x === 503).length).toBeGreaterThan(70);
    expect(a.filter((x) => x === 429).length).toBeGreaterThan(5);
    expect(a.filter((x) => x === 0).length).toBeGreaterThan(40);
    const other = seq(new FaultEngine({ ...cfg, seed: 43 }), 'count', 200);
    expect(other).not.toEqual(a);
  });

  it('one stream per route: traffic on other routes does not change a route’s sequence', () => {
    const alone = seq(new FaultEngine(cfg), 'count', 100);
    const e = new FaultEngine(cfg);
    const mixed: number[] = [];
    for (let i = 0; i < 100; i++) {
      seq(e, 'list-batches', i % 3);
      mixed.push(...seq(e, 'count', 1));
    }
    expect(mixed).toEqual(alone);
  });

  it('honours times, default rate 1, sums latency, and setFaults restarts the streams', () => {
    const e = new FaultEngine({ seed: 1, rules: [{ route: 'get-job', kind: 'status', status: 500, times: 2 }, { route: 'get-job', kind: 'latency', ms: 5 }, { route: '*', kind: 'latency', ms: 7 }] });
    const ds = Array.from({ length: 4 }, () => e.decide('get-job'));
    expect(ds.map((d) => d.fault?.status ?? 0)).toEqual([500, 500, 0, 0]);
    expect(ds.every((d) => d.latencyMs === 12)).toBe(true);
    expect(e.decide('count')).toEqual({ fault: null, latencyMs: 7 });
    e.set(e.config);
    expect(e.decide('get-job').fault?.status).toBe(500);
  });

  it('validates the format strictly', () => {
    expect(() => validateFaultConfig({ rules: [{ route: 'nope', kind: 'status', status: 500 }] })).toThrow(/route/);
    expect(() => validateFaultConfig({ rules: [{ route: '*', kind: 'explode' }] })).toThrow(/kind/);
    expect(() => validateFaultConfig({ rules: [{ route: '*', kind: 'status' }] })).toThrow(/status/);
    expect(() => validateFaultConfig({ rules: [{ route: '*', kind: 'latency', rate: 2 }] })).toThrow(/rate/);
    expect(() => validateFaultConfig({ seeed: 1 })).toThrow(/seeed/);
    expect(validateFaultConfig({ listPartName: true, shardIsTerminal: false })).toEqual({ listPartName: true, shardIsTerminal: false });
    expect(() => validateFaultConfig({ shardIsTerminal: 'yes' })).toThrow(/shardIsTerminal must be true or false/);
    expect(validateFaultConfig({ seed: 42, signedUrlTtlSeconds: 3600, imageFailureRate: 0, rules: [{ route: 'storage-put', rate: 0.2, kind: 'reset-request', afterBytes: 50000, times: 100 }] })).toBeTruthy();
  });
});

describe('faults over HTTP', () => {
  let emu: Emulator;
  let c: Client;
  beforeAll(async () => {
    emu = await start();
    c = client(emu);
    await uploadShard(c, 'fb', makePngSet(4, 'f'));
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('status faults answer the status with Retry-After and are counted as attempts', async () => {
    emu.setFaults({ seed: 3, rules: [{ route: 'bulk-upload-url', kind: 'status', status: 429, retryAfterSeconds: 2, times: 1 }] });
    const before = emu.inspect.requests()['bulk-upload-url']!;
    const r = await c.post(c.ds('/fb-429/bulk-upload/image-files'));
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('2');
    expect((await c.get(c.ds('/fb-429'))).status).toBe(404); // the faulted request did nothing
    expect((await c.post(c.ds('/fb-429/bulk-upload/image-files'))).status).toBe(200);
    const after = emu.inspect.requests()['bulk-upload-url']!;
    expect(after.attempts - before.attempts).toBe(2);
    expect(after.faulted - before.faulted).toBe(1);
    // storage: a faulted download is an attempt on that file too
    const f = (await c.get(c.ds('/fb/list'))).body.filesMetadata[1] as { fileName: string; downloadURL: string };
    const count = () => emu.inspect.downloads().find((d) => d.batchId === 'fb' && d.fileName === f.fileName)?.requests ?? 0;
    const n0 = count();
    emu.setFaults({ seed: 3, rules: [{ route: 'storage-get', kind: 'status', status: 503, retryAfterSeconds: 1, times: 1 }] });
    const g = await fetch(f.downloadURL);
    expect(g.status).toBe(503);
    expect(g.headers.get('retry-after')).toBe('1');
    await g.arrayBuffer();
    expect((await fetch(f.downloadURL)).status).toBe(200);
    expect(count() - n0).toBe(2);
    emu.setFaults({});
  });

  it('the same seed reproduces the same sequence over HTTP', async () => {
    const cfg: FaultConfig = { seed: 99, rules: [{ route: 'count', rate: 0.5, kind: 'status', status: 503 }] };
    const run = async () => {
      emu.setFaults(cfg);
      const out: number[] = [];
      for (let i = 0; i < 30; i++) out.push((await c.get(c.ds('/fb/count'))).status);
      return out;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a).toContain(503);
    expect(a).toContain(200);
    emu.setFaults({});
  });

  it('reset-request on storage-put kills the upload after N bytes and stores nothing', async () => {
    emu.setFaults({ seed: 1, rules: [{ route: 'storage-put', kind: 'reset-request', afterBytes: 50_000, times: 1 }] });
    const d = await bulkUrl(c, 'fb-reset');
    const tar = await makeTar([{ name: 'big.png', data: makePng({ minBytes: 300_000 }) }]);
    await expect(putSigned(d, tar)).rejects.toThrow();
    const token = /up\/([a-f0-9]+)/.exec(d.uploadURL)![1]!;
    await waitFor(() => emu.inspect.uploads().find((u) => u.token === token && u.finishedAt !== null));
    const rec = emu.inspect.uploads().find((u) => u.token === token)!;
    expect(rec).toMatchObject({ completed: false, faulted: 'reset-request' });
    expect(rec.bytesReceived).toBeGreaterThanOrEqual(50_000);
    expect(rec.bytesReceived).toBeLessThan(tar.length);
    expect((await c.get(c.ds('/fb-reset/shards'))).body.shards).toEqual([]);
    expect(await putSigned(d, tar)).toBe(200); // times: 1 → the retry of the same URL works
    emu.setFaults({});
  });

  it('a faulted PUT never stores the object, even when the whole body arrived', async () => {
    emu.setFaults({ seed: 1, rules: [{ route: 'storage-put', kind: 'reset-response', times: 1 }] });
    const d = await bulkUrl(c, 'fb-resp');
    const tar = await makeTar(makePngSet(2, 'r'));
    await expect(putSigned(d, tar)).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect((await c.get(c.ds('/fb-resp/shards'))).body.shards).toEqual([]);
    emu.setFaults({});
  });

  it('drop answers 200 to a whole PUT but never lists the object; reset-after-commit lists it but never answers', async () => {
    emu.setFaults({ seed: 1, rules: [{ route: 'storage-put', kind: 'drop', times: 1 }] });
    const d = await bulkUrl(c, 'fb-drop');
    expect(await putSigned(d, await makeTar(makePngSet(2, 'd')))).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect((await c.get(c.ds('/fb-drop/shards'))).body.shards).toEqual([]);
    emu.setFaults({ seed: 1, rules: [{ route: 'storage-put', kind: 'reset-after-commit', times: 1 }] });
    const d2 = await bulkUrl(c, 'fb-commit');
    await expect(putSigned(d2, await makeTar(makePngSet(2, 'k')))).rejects.toThrow();
    await waitFor(async () => (await c.get(c.ds('/fb-commit/count'))).body.count === 2);
    expect(() => validateFaultConfig({ rules: [{ route: 'count', kind: 'drop' }] })).toThrow(/storage-put/);
    emu.setFaults({});
  });

  it('listingLagMs lists a stored shard and counts its files only that long after the PUT', async () => {
    emu.setFaults({ listingLagMs: 400 });
    const d = await bulkUrl(c, 'fb-lag');
    const t0 = Date.now();
    expect(await putSigned(d, await makeTar(makePngSet(3, 'l')))).toBe(200);
    expect((await c.get(c.ds('/fb-lag/shards'))).body.shards).toEqual([]);
    expect((await c.get(c.ds('/fb-lag/count'))).body.count).toBe(0);
    await waitFor(async () => (await c.get(c.ds('/fb-lag/count'))).body.count === 3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    emu.setFaults({});
  });

  it('restartLagMs shows a restarted job as it was before the restart (failed) that long', async () => {
    emu.setFaults({ seed: 1, imageFailureRate: 1 });
    await uploadShard(c, 'fb-rl', makePngSet(12, 'r'));
    await c.post(c.bp('/fj-rlag'), { json: minimalJob('fb-rl') });
    const failed = await waitTerminal(c, 'fj-rlag');
    const failedStages = (await c.get(c.bp('/fj-rlag/stages'))).body.stages;
    emu.setFaults({ restartLagMs: 400 });
    const t0 = Date.now();
    expect((await c.post(c.bp('/fj-rlag/restart'))).status).toBe(200);
    expect((await c.get(c.bp('/fj-rlag'))).body.job).toEqual(failed);
    expect((await c.get(c.bp('/fj-rlag/stages'))).body.stages).toEqual(failedStages);
    const stageId = failedStages[0].processingStageId as string;
    expect((await c.get(c.bp(`/fj-rlag/stages/${stageId}/tasks`))).status).toBe(200);
    expect(emu.inspect.jobs().find((j) => j.jobId === 'fj-rlag')!.restarts).toBe(1);
    // then the restarted run, which succeeds without injected failures
    const after = await waitFor(async () => {
      const job = (await c.get(c.bp('/fj-rlag'))).body.job;
      return job.lastUpdate !== failed.lastUpdate ? job : undefined;
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(after.isTerminal === false || after.error === false).toBe(true);
    emu.setFaults({});
  });

  it('reset-response on create-job: the job exists, the client saw an error, a retry is idempotent', async () => {
    emu.setFaults({ seed: 5, rules: [{ route: 'create-job', kind: 'reset-response', afterBytes: 3, times: 1 }] });
    await expect(c.post(c.bp('/fj-reset'), { json: minimalJob('fb') })).rejects.toThrow();
    expect((await c.get(c.bp('/fj-reset'))).status).toBe(200);
    expect((await c.post(c.bp('/fj-reset'), { json: minimalJob('fb') })).status).toBe(200);
    expect(emu.inspect.jobs().find((j) => j.jobId === 'fj-reset')!.createCalls).toBe(2);
    emu.setFaults({});
  });

  it('corrupt sends the whole length with zeros after afterBytes (downloads only)', async () => {
    const url = ((await c.get(c.ds('/fb/list'))).body.filesMetadata[3] as { downloadURL: string }).downloadURL; // a file no other test counts
    const full = Buffer.from(await (await fetch(url)).arrayBuffer());
    emu.setFaults({ seed: 1, rules: [{ route: 'storage-get', kind: 'corrupt', afterBytes: 20, times: 1 }] });
    const damaged = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(damaged.length).toBe(full.length);
    expect(damaged.subarray(0, 20).equals(full.subarray(0, 20))).toBe(true);
    expect(damaged.subarray(20).every((b) => b === 0)).toBe(true);
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(full)).toBe(true); // times: 1
    expect(() => validateFaultConfig({ rules: [{ route: 'storage-put', kind: 'corrupt' }] })).toThrow(/storage-get/);
    emu.setFaults({});
  });

  it('truncate sends a Content-Length but ends the body early (downloads)', async () => {
    const meta = (await c.get(c.ds('/fb/list'))).body.filesMetadata[0] as { fileName: string; downloadURL: string };
    const url = meta.downloadURL;
    const full = Buffer.from(await (await fetch(url)).arrayBuffer());
    emu.setFaults({ seed: 1, rules: [{ route: 'storage-get', kind: 'truncate', afterBytes: 20 }] });
    const r = await rawHttp(url, { method: 'GET', headers: {} });
    expect(r.status).toBe(200);
    expect(r.head).toMatch(new RegExp(`Content-Length: ${full.length}`, 'i'));
    expect(r.body.length).toBe(20);
    expect(r.closed).toBe(true);
    await expect(fetch(url).then((x) => x.arrayBuffer())).rejects.toThrow();
    // truncation is capped below the body size: a short body is always broken
    emu.setFaults({ seed: 1, rules: [{ route: 'storage-get', kind: 'truncate', afterBytes: 10_000_000 }] });
    const r2 = await rawHttp(url, { method: 'GET', headers: {} });
    expect(r2.body.length).toBe(full.length - 1);
    const d = emu.inspect.downloads().find((x) => x.batchId === 'fb' && x.fileName === meta.fileName)!;
    expect(d.requests).toBe(4);
    emu.setFaults({});
  });

  it('stall holds the connection for ms then closes; latency delays the answer', async () => {
    emu.setFaults({ seed: 1, rules: [{ route: 'get-batch', kind: 'stall', ms: 300 }] });
    const t0 = Date.now();
    const r = await rawHttp(withQuery(c.ds('/fb')), { method: 'GET', headers: {}, waitMs: 3000 });
    const took = Date.now() - t0;
    expect(r.status).toBeNull();
    expect(r.closed).toBe(true);
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(2000);
    emu.setFaults({ seed: 1, rules: [{ route: 'get-batch', kind: 'latency', ms: 200 }] });
    const t1 = Date.now();
    expect((await c.get(c.ds('/fb'))).status).toBe(200);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(190);
    emu.setFaults({});
  });

  it('reset-request on an API route closes the connection without an answer', async () => {
    emu.setFaults({ seed: 1, rules: [{ route: 'list-batches', kind: 'reset-request', afterBytes: 0 }] });
    await expect(c.get(c.ds(''))).rejects.toThrow();
    emu.setFaults({});
    expect((await c.get(c.ds(''))).status).toBe(200);
  });

  it('POST /__emulator/faults sets the config; bad configs are 400; inspection needs no key', async () => {
    const cfg = { seed: 11, rules: [{ route: 'count', kind: 'status', status: 502, times: 1 }] };
    const r = await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify(cfg), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    expect(await (await fetch(`${emu.url}/__emulator/faults`)).json()).toEqual(cfg);
    expect((await c.get(c.ds('/fb/count'))).status).toBe(502);
    expect((await c.get(c.ds('/fb/count'))).status).toBe(200);
    const bad = await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ rules: [{ route: 'x', kind: 'status' }] }), headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    const req = (await (await fetch(`${emu.url}/__emulator/requests`)).json()) as Record<string, { attempts: number; faulted: number }>;
    expect(req.count!.faulted).toBeGreaterThanOrEqual(1);
  });
});

describe('inspection surface over HTTP', () => {
  it('mirrors the in-process inspector', async () => {
    const emu = await start();
    try {
      const c = client(emu);
      await uploadShard(c, 'ib', makePngSet(3, 'i'));
      const url = (await c.get(c.ds('/ib/list'))).body.filesMetadata[0].downloadURL as string;
      await (await fetch(url, { headers: { Range: 'bytes=0-9' } })).arrayBuffer();
      await c.post(c.bp('/ij'), { json: minimalJob('ib') });
      await waitTerminal(c, 'ij');
      const get = async (p: string) => (await fetch(`${emu.url}/__emulator/${p}`)).json();
      expect(await get('batches')).toEqual(JSON.parse(JSON.stringify(emu.inspect.batches())));
      const files = (await get('batches/ib/files')) as { name: string; receivedCount: number; sha256: string; shardId: string }[];
      expect(files).toHaveLength(3);
      expect(files.every((f) => f.receivedCount === 1 && /^[a-f0-9]{64}$/.test(f.sha256) && typeof f.shardId === 'string')).toBe(true);
      expect((await fetch(`${emu.url}/__emulator/batches/nope/files`)).status).toBe(404);
      const uploads = (await get('uploads')) as { completed: boolean }[];
      expect(uploads.some((u) => u.completed)).toBe(true);
      const downloads = (await get('downloads')) as { ranges: string[]; bytesServed: number }[];
      expect(downloads[0]).toMatchObject({ batchId: 'ib', requests: 1, bytesServed: 10, ranges: ['bytes=0-9'] });
      const jobs = (await get('jobs')) as { jobId: string; createCalls: number }[];
      expect(jobs[0]).toMatchObject({ jobId: 'ij', createCalls: 1 });
      const b = ((await get('batches')) as { batchId: string; count: number; shards: { success: number } }[]).find((x) => x.batchId === 'ib')!;
      expect(b.count).toBe(3);
      expect(b.shards.success).toBe(1);
      expect((await fetch(`${emu.url}/data-staging/v1/external/sandbox/__emulator/batches?api_key=${KEY}`)).status).toBe(404);
    } finally {
      await emu.stop();
    }
  });
});
