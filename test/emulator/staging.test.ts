import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator } from './server';
import { makeJpeg, makePng, makePngSet, makeTar } from './fixtures';
import { ISO_TZ, KEY, client, type Client, bulkUrl, putSigned, start, uploadShard, waitFor, withQuery } from './testkit';

let emu: Emulator;
let c: Client;

beforeAll(async () => {
  emu = await start({ apiKeys: [KEY, 'second-key'] });
  c = client(emu);
});
afterAll(async () => {
  await emu.stop();
});

function multipart(partName: string, fileName: string, data: Buffer, extraParts = 0): { body: Buffer; headers: Record<string, string> } {
  const boundary = 'XbOuNdArYx';
  const parts: Buffer[] = [];
  for (let i = 0; i <= extraParts; i++) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${i === 0 ? partName : `extra${i}`}"; filename="${fileName}"\r\n\r\n`),
      data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

async function uploadImage(batchId: string, fileName: string, data: Buffer, partName = fileName, extra = 0) {
  const mp = multipart(partName, fileName, data, extra);
  return c.post(c.ds(`/${batchId}/upload/image`), { body: mp.body, headers: mp.headers, query: { fileName } });
}

describe('authentication and workspace', () => {
  it('resolves the workspace on GET / and POST / with a valid key', async () => {
    for (const method of ['GET', 'POST']) {
      const r = await fetch(withQuery(`${emu.url}/`), { method });
      expect(r.status).toBe(200);
      const body = (await r.json()) as Record<string, unknown>;
      expect(body.workspace).toBe('sandbox');
    }
    const second = await c.get(`${emu.url}/`, {}, 'second-key');
    expect(second.body.workspace).toBe('sandbox');
  });

  it('answers 401 without or with a bad api_key on every API route', async () => {
    const routes: [string, string][] = [
      ['GET', `${emu.url}/`],
      ['POST', `${emu.url}/`],
      ['GET', c.ds('')],
      ['GET', c.ds('/b')],
      ['GET', c.ds('/b/count')],
      ['GET', c.ds('/b/parts')],
      ['GET', c.ds('/b/list')],
      ['GET', c.ds('/b/shards')],
      ['POST', c.ds('/b/upload/image')],
      ['POST', c.ds('/b/upload/video')],
      ['POST', c.ds('/b/bulk-upload/image-files')],
      ['POST', c.ds('/b/bulk-upload/image-references')],
      ['POST', c.ds('/b/bulk-upload/video-references')],
      ['POST', c.ds('/b/roboql-ingest')],
      ['GET', c.bp('')],
      ['GET', c.bp('/j')],
      ['POST', c.bp('/j')],
      ['GET', c.bp('/j/stages')],
      ['GET', c.bp('/j/stages/s/tasks')],
      ['POST', c.bp('/j/abort')],
      ['POST', c.bp('/j/restart')],
      ['GET', c.bp('/j/logs')],
    ];
    for (const [method, url] of routes) {
      for (const key of [null, 'wrong-key']) {
        const r = await fetch(withQuery(url, {}, key), { method });
        expect(r.status, `${method} ${url} key=${String(key)}`).toBe(401);
        const body = (await r.json()) as Record<string, unknown>;
        expect(typeof body.message).toBe('string');
        expect(typeof body.error).toBe('string');
      }
    }
  });

  it('does not accept the key as a header', async () => {
    const r = await fetch(c.ds(''), { headers: { Authorization: `Bearer ${KEY}`, 'api_key': KEY } });
    expect(r.status).toBe(401);
  });

  it('answers 404 for a workspace slug that is not the key’s', async () => {
    const other = client(emu, 'someone-else');
    expect((await other.get(other.ds(''))).status).toBe(404);
    expect((await other.get(other.bp(''))).status).toBe(404);
    expect((await other.post(other.ds('/b/bulk-upload/image-files'))).status).toBe(404);
  });

  it('answers 404 for unknown paths and 405 for wrong methods', async () => {
    expect((await c.get(`${emu.url}/data-staging/v1/external/sandbox/nope`)).status).toBe(404);
    expect((await c.get(c.ds('/'))).status).toBe(404); // trailing slash on API paths is not accepted
    const r = await fetch(withQuery(c.ds('/b')), { method: 'DELETE' });
    expect(r.status).toBe(405);
  });
});

describe('identifier rules', () => {
  it('rejects bad batch ids with 400 {message, error}', async () => {
    for (const id of ['UPPER', 'has.dot', 'space%20x', 'a'.repeat(65), 'ünï']) {
      const r = await c.get(c.ds(`/${id}`));
      expect(r.status, id).toBe(400);
      expect(r.body.message).toMatch(/batch id/);
      expect(typeof r.body.error).toBe('string');
      expect((await c.post(c.ds(`/${id}/bulk-upload/image-files`))).status).toBe(400);
    }
    const ok = await c.get(c.ds(`/${'a'.repeat(64)}`));
    expect(ok.status).toBe(404); // valid id, no such batch
  });

  it('rejects bad job ids with 400', async () => {
    for (const id of ['Job', 'a'.repeat(21), 'x.y']) {
      const r = await c.get(c.bp(`/${id}`));
      expect(r.status, id).toBe(400);
      expect(r.body.message).toMatch(/job id/);
    }
    expect((await c.get(c.bp(`/${'a'.repeat(20)}`))).status).toBe(404);
  });
});

describe('simple image uploads', () => {
  it('accepts any single file part name, stores under fileName and counts', async () => {
    const png = makePng({ width: 10, height: 7, seed: 'simple-1' });
    const r = await uploadImage('simple-a', 'cat.png', png, 'file');
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('ok');
    const r2 = await uploadImage('simple-a', 'dog.jpg', makeJpeg({ width: 16, height: 9 }), 'whatever-name.jpg');
    expect(r2.status).toBe(200);
    expect((await c.get(c.ds('/simple-a/count'))).body.count).toBe(2);
    const b = (await c.get(c.ds('/simple-a'))).body.batch;
    expect(b).toMatchObject({ batchId: 'simple-a', batchType: 'simple-batch', batchContentType: 'images', displayName: 'simple-a' });
    expect(b.createdDate).toMatch(ISO_TZ);
    expect(b.expiryDate).toMatch(ISO_TZ);
    expect(new Date(b.expiryDate).getTime() - new Date(b.createdDate).getTime()).toBe(7 * 24 * 3600 * 1000);
    const list = (await c.get(c.ds('/simple-a/list'))).body;
    expect(list.nextPageToken).toBeNull();
    expect(list.filesMetadata.map((f: { fileName: string }) => f.fileName)).toEqual(['cat.png', 'dog.jpg']);
    expect(list.filesMetadata[0].contentType).toBe('images');
    expect(list.filesMetadata[0].shardId).toBeUndefined();
    const dl = await fetch(list.filesMetadata[0].downloadURL);
    expect(Buffer.from(await dl.arrayBuffer()).equals(png)).toBe(true);
  });

  it('uses displayName from the query', async () => {
    await uploadImage('simple-named', 'a.png', makePng(), 'a.png');
    // displayName is set at creation only
    const mp = multipart('x', 'b.png', makePng({ seed: 2 }));
    await c.post(c.ds('/simple-dn/upload/image'), { body: mp.body, headers: mp.headers, query: { fileName: 'b.png', displayName: 'My Batch' } });
    expect((await c.get(c.ds('/simple-dn'))).body.batch.displayName).toBe('My Batch');
  });

  it('re-uploading the same name replaces it and counts the reception twice', async () => {
    await uploadImage('simple-dup', 'x.png', makePng({ seed: 'v1' }));
    const v2 = makePng({ seed: 'v2' });
    await uploadImage('simple-dup', 'x.png', v2);
    expect((await c.get(c.ds('/simple-dup/count'))).body.count).toBe(1);
    const files = await emu.inspect.files('simple-dup');
    expect(files).toHaveLength(1);
    expect(files![0]!.receivedCount).toBe(2);
    expect(files![0]!.size).toBe(v2.length);
  });

  it('rejects missing fileName, non-image content, bad extension, multiple parts, non-multipart', async () => {
    const png = makePng();
    const mp = multipart('f', 'a.png', png);
    expect((await c.post(c.ds('/simple-rej/upload/image'), { body: mp.body, headers: mp.headers })).status).toBe(400);
    expect((await uploadImage('simple-rej', 'a.png', Buffer.from('not an image at all'))).status).toBe(400);
    expect((await uploadImage('simple-rej', 'a.txt', png)).status).toBe(400);
    expect((await uploadImage('simple-rej', 'a.png', png, 'a.png', 1)).status).toBe(400);
    expect((await c.post(c.ds('/simple-rej/upload/image'), { body: png, query: { fileName: 'a.png' }, headers: { 'content-type': 'image/png' } })).status).toBe(400);
    expect((await uploadImage('simple-rej', 'dir/a.png', png)).status).toBe(400);
    expect((await c.get(c.ds('/simple-rej'))).status).toBe(404); // nothing got created
  });

  it('rejects an image over 20 MiB with 413', async () => {
    const big = makePng({ minBytes: 20_971_521 });
    const r = await uploadImage('simple-big', 'big.png', big);
    expect(r.status).toBe(413);
    expect((await c.get(c.ds('/simple-big'))).status).toBe(404);
  });
});

describe('simple vs bulk', () => {
  it('cannot mix simple and bulk uploads in one batch (400 both ways)', async () => {
    await uploadImage('mix-simple', 'a.png', makePng());
    const r = await c.post(c.ds('/mix-simple/bulk-upload/image-files'));
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/mixed/);
    await bulkUrl(c, 'mix-bulk');
    expect((await uploadImage('mix-bulk', 'a.png', makePng())).status).toBe(400);
  });

  it('cannot add videos to an image batch', async () => {
    await uploadImage('mix-media', 'a.png', makePng());
    expect((await c.post(c.ds('/mix-media/upload/video'), { query: { fileName: 'v.mp4' } })).status).toBe(400);
  });
});

describe('bulk tar upload and indexing', () => {
  it('hands out signed URL details with extension headers and limits', async () => {
    const d = await bulkUrl(c, 'bulk-details');
    expect(d.method).toBe('PUT');
    expect(d.extensionHeaders['x-goog-content-length-range']).toBe(`0,${d.maxFileSizeBytes}`);
    expect(d.maxFilesPerArchive).toBe(500);
    expect(d.uploadURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_storage\/up\/[a-f0-9]+\?expires=\d+&sig=[a-f0-9]+$/);
    const b = (await c.get(c.ds('/bulk-details'))).body.batch;
    expect(b.batchType).toBe('sharded-batch');
    expect((await c.get(c.ds('/bulk-details/count'))).body.count).toBe(0);
  });

  it('indexes asynchronously: shard info → success, count grows only after indexing', async () => {
    const slow = await start({ timeScale: 0.2 }); // index delay 1500 ms × 0.2 = 300 ms
    try {
      const sc = client(slow);
      const d = await bulkUrl(sc, 'slow');
      expect(await putSigned(d, await makeTar(makePngSet(5), { pax: true }))).toBe(200);
      const early = (await sc.get(sc.ds('/slow/shards'))).body;
      expect(early.shards).toHaveLength(1);
      expect(early.shards[0].statusType).toBe('info');
      expect(early.shards[0].shardObjectsCount).toBe(0);
      expect((await sc.get(sc.ds('/slow/count'))).body.count).toBe(0);
      expect((await sc.get(sc.ds('/slow/list'))).body.filesMetadata).toEqual([]);
      const done = await waitFor(async () => {
        const s = (await sc.get(sc.ds('/slow/shards'))).body.shards[0];
        return s.statusType !== 'info' ? s : undefined;
      });
      expect(done.statusType).toBe('success');
      expect(done.shardObjectsCount).toBe(5);
      expect(done.eventTimestamp).toMatch(ISO_TZ);
      expect(new Date(done.eventTimestamp).getTime()).toBeGreaterThanOrEqual(new Date(early.shards[0].eventTimestamp).getTime());
      expect((await sc.get(sc.ds('/slow/count'))).body.count).toBe(5);
      // isTerminal is not in 3.6 (only older CLI versions expected it): sent only when asked for
      expect(early.shards[0]).not.toHaveProperty('isTerminal');
      expect(done).not.toHaveProperty('isTerminal');
      slow.setFaults({ shardIsTerminal: true });
      expect((await sc.get(sc.ds('/slow/shards'))).body.shards[0].isTerminal).toBe(true);
    } finally {
      await slow.stop();
    }
  });

  it('handles PAX headers, long and unicode names, ignores notification_config.json', async () => {
    const long = `${'l'.repeat(150)}.png`;
    const entries = [
      { name: long, data: makePng({ seed: 'long' }) },
      { name: 'ünïcødé-名前.jpg', data: makeJpeg({ width: 20, height: 10, seed: 'u' }) },
      { name: 'notification_config.json', data: Buffer.from(JSON.stringify({ ingestId: 'ing-1', notificationsURL: 'https://example.com/hook' })) },
      { name: 'plain.png', data: makePng({ seed: 'plain' }) },
    ];
    const shard = await uploadShard(c, 'bulk-pax', entries, { pax: true });
    expect(shard.statusType).toBe('success');
    expect(shard.statusMetadata).toEqual({ ingestedFiles: 3, failedFiles: [] });
    const files = (await c.get(c.ds('/bulk-pax/list'))).body.filesMetadata as { fileName: string; shardId: string }[];
    expect(files.map((f) => f.fileName).sort()).toEqual([long, 'plain.png', 'ünïcødé-名前.jpg'].sort());
    expect(files.every((f) => f.shardId === shard.shardId)).toBe(true);
  });

  it('records every rejection reason in statusMetadata', async () => {
    await uploadShard(c, 'bulk-rej', [{ name: 'a.png', data: makePng({ seed: 'first' }) }]);
    const shard = await uploadShard(c, 'bulk-rej', [
      { name: 'a.png', data: makePng({ seed: 'again' }) }, // duplicate of earlier shard
      { name: 'b.png', data: makePng({ seed: 'b' }) },
      { name: 'b.png', data: makePng({ seed: 'b2' }) }, // duplicate inside shard
      { name: 'huge.png', data: makePng({ minBytes: 20_971_521 }) },
      { name: 'exactly.png', data: makePng({ minBytes: 20_971_520 }) },
      { name: 'text.png', data: Buffer.from('hello, not an image') },
      { name: 'readme.txt', data: makePng() },
    ]);
    expect(shard.statusType).toBe('success');
    expect(shard.shardObjectsCount).toBe(2);
    const failed = shard.statusMetadata.failedFiles as { type: string; fileName: string; reason: string }[];
    const byName = Object.fromEntries(failed.map((f) => [f.fileName + ':' + f.type, f]));
    expect(Object.keys(byName).sort()).toEqual(
      ['a.png:duplicated-file-name', 'b.png:duplicated-file-name', 'huge.png:file-size-limit-exceeded', 'readme.txt:unsupported-file-type', 'text.png:unsupported-file-type'].sort(),
    );
    expect(byName['huge.png:file-size-limit-exceeded']!.reason).toMatch(/20971520/);
    expect(shard.statusMetadata.ingestedFiles).toBe(2);
    expect((await c.get(c.ds('/bulk-rej/count'))).body.count).toBe(3);
    const files = await emu.inspect.files('bulk-rej');
    const a = files!.find((f) => f.name === 'a.png')!;
    expect(a.receivedCount).toBe(2);
    expect(files!.find((f) => f.name === 'b.png')!.receivedCount).toBe(2);
    expect(files!.find((f) => f.name === 'exactly.png')!.size).toBe(20_971_520);
  });

  it('a corrupt or truncated tar ends in error with a reason and adds no files', async () => {
    const good = await makeTar(makePngSet(3, 'c'));
    const corrupt = Buffer.from(good);
    corrupt.fill(0x41, 0, 300); // clobber the first header
    const s1 = await uploadShard(c, 'bulk-corrupt', corrupt);
    expect(s1.statusType).toBe('error');
    expect(s1.statusMetadata.reason).toMatch(/corrupt/);
    const truncated = good.subarray(0, 700);
    const s2 = await uploadShard(c, 'bulk-corrupt', truncated);
    expect(s2.statusType).toBe('error');
    expect((await c.get(c.ds('/bulk-corrupt/count'))).body.count).toBe(0);
    const s3 = await uploadShard(c, 'bulk-corrupt', good);
    expect(s3.statusType).toBe('success');
    expect((await c.get(c.ds('/bulk-corrupt/count'))).body.count).toBe(3);
  });

  it('indexes concurrent shards of one batch exactly once each', async () => {
    const sets = [0, 1, 2, 3].map((k) => makePngSet(40, `cc${k}`));
    const urls = await Promise.all(sets.map(() => bulkUrl(c, 'bulk-conc')));
    const tars = await Promise.all(sets.map((s) => makeTar(s, { pax: true })));
    expect(await Promise.all(urls.map((u, i) => putSigned(u, tars[i]!)))).toEqual([200, 200, 200, 200]);
    await waitFor(async () => ((await c.get(c.ds('/bulk-conc/count'))).body.count === 160 ? true : undefined));
    const shards = (await c.get(c.ds('/bulk-conc/shards'))).body.shards as { shardId: string; shardObjectsCount: number }[];
    expect(shards.map((s) => s.shardObjectsCount)).toEqual([40, 40, 40, 40]);
    const files = (await emu.inspect.files('bulk-conc'))!;
    expect(files).toHaveLength(160);
    expect(files.every((f) => f.receivedCount === 1)).toBe(true);
    expect(new Set(files.map((f) => f.shardId)).size).toBe(4);
  });

  it('fails a shard with more than 500 files', async () => {
    const s = await uploadShard(c, 'bulk-501', makePngSet(501, 'm'));
    expect(s.statusType).toBe('error');
    expect(s.statusMetadata.reason).toMatch(/500/);
  });

  it('paginates list, shards and batches with nextPageToken ending in null', async () => {
    for (let i = 0; i < 3; i++) await uploadShard(c, 'bulk-pages', makePngSet(4, `p${i}`));
    const names: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const q: Record<string, string> = { pageSize: '5' };
      if (token) q.nextPageToken = token;
      const r = await c.get(c.ds('/bulk-pages/list'), q);
      expect(r.status).toBe(200);
      expect('nextPageToken' in r.body).toBe(true);
      names.push(...r.body.filesMetadata.map((f: { fileName: string }) => f.fileName));
      token = r.body.nextPageToken;
      pages++;
    } while (token !== null);
    expect(pages).toBe(3);
    expect(new Set(names).size).toBe(12);
    const sh = await c.get(c.ds('/bulk-pages/shards'), { pageSize: '2' });
    expect(sh.body.shards).toHaveLength(2);
    const sh2 = await c.get(c.ds('/bulk-pages/shards'), { pageSize: '2', nextPageToken: sh.body.nextPageToken });
    expect(sh2.body.shards).toHaveLength(1);
    expect(sh2.body.nextPageToken).toBeNull();
    const bl = await c.get(c.ds(''), { pageSize: '1' });
    expect(bl.body.batches).toHaveLength(1);
    expect(typeof bl.body.nextPageToken).toBe('string');
    for (const b of (await c.get(c.ds(''), { pageSize: '1000' })).body.batches) {
      expect(Object.keys(b).sort()).toEqual(['batchContentType', 'batchId', 'batchType', 'createdDate', 'displayName', 'expiryDate']);
    }
    expect((await c.get(c.ds('/bulk-pages/list'), { nextPageToken: 'garbage' })).status).toBe(400);
    expect((await c.get(c.ds('/bulk-pages/list'), { pageSize: '0' })).status).toBe(400);
    // above the maximum: refused, never silently capped
    for (const route of ['/bulk-pages/list', '/bulk-pages/shards', '']) {
      expect((await c.get(c.ds(route), { pageSize: '1001' })).status).toBe(400);
      expect((await c.get(c.ds(route), { pageSize: '1000' })).status).toBe(200);
    }
    expect((await c.get(c.bp(''), { pageSize: '1001' })).status).toBe(400);
    expect((await c.get(c.bp(''), { pageSize: '10' })).status).toBe(200); // what the CLI sends
    expect((await c.get(c.ds('/bulk-pages/list'), { nextPageToken: sh.body.nextPageToken })).status).toBe(400); // token of another listing
  });

  it('parts is 400 on a non-multipart batch; partName is 400 on a non-multipart batch', async () => {
    await uploadImage('nonmulti', 'a.png', makePng());
    expect((await c.get(c.ds('/nonmulti/parts'))).status).toBe(400);
    expect((await c.get(c.ds('/nonmulti/count'), { partName: 'x' })).status).toBe(400);
    expect((await c.get(c.ds('/nonmulti/list'), { partName: 'x' })).status).toBe(400);
    expect((await c.get(c.ds('/missing-batch/count'))).status).toBe(404);
    expect((await c.get(c.ds('/nonmulti/shards'))).body).toEqual({ status: 'ok', shards: [], nextPageToken: null });
  });

  it('indexes only the types a secondary source lists (guide 7.3), refusing the rest of the CLI’s as unsupported', async () => {
    const jpeg = makeJpeg({ width: 8, height: 8, seed: 'types' });
    const shard = await uploadShard(c, 'bulk-types', [
      { name: 'a.jpg', data: jpeg },
      { name: 'b.JPEG', data: jpeg },
      { name: 'c.jpe', data: jpeg }, // the CLI discovers jpe and dib; the service may not take them
      { name: 'd.dib', data: makePng({ seed: 'dib' }) },
      { name: 'e.png', data: makePng({ seed: 'png' }) },
    ]);
    expect(shard.statusType).toBe('success');
    const failed = (shard.statusMetadata.failedFiles as { type: string; fileName: string }[]).map((f) => `${f.fileName}:${f.type}`).sort();
    expect(failed).toEqual(['c.jpe:unsupported-file-type', 'd.dib:unsupported-file-type']);
    expect((await c.get(c.ds('/bulk-types/count'))).body.count).toBe(3);
    for (const name of ['clip.webm', 'clip.3gp', 'clip.mpeg', 'clip.mpg', 'clip.ogg', 'clip.m4a']) {
      const r = await c.post(c.ds('/vid-types/upload/video'), { query: { fileName: name } });
      expect(r.status, name).toBe(400);
      expect(r.body.error).toBe('unsupported-file-type');
    }
    for (const name of ['clip.mp4', 'clip.MOV', 'clip.avi', 'clip.mkv', 'clip.flv', 'clip.wmv', 'clip.m4v']) {
      expect((await c.post(c.ds('/vid-types/upload/video'), { query: { fileName: name } })).status, name).toBe(200);
    }
  });

  it('bulk upload url takes no body', async () => {
    const r = await c.post(c.ds('/bulk-body/bulk-upload/image-files'), { json: { a: 1 } });
    expect(r.status).toBe(400);
  });
});

describe('video uploads', () => {
  it('uploads a video through a signed URL into a simple video batch', async () => {
    const r = await c.post(c.ds('/vids/upload/video'), { query: { fileName: 'clip.mp4' } });
    expect(r.status).toBe(200);
    const d = r.body.signedURLDetails;
    expect(d.method).toBe('PUT');
    expect(d.extensionHeaders['x-goog-content-length-range']).toMatch(/^0,\d+$/);
    expect(d.maxFilesPerArchive).toBeUndefined();
    const bytes = Buffer.alloc(100_000, 7);
    expect(await putSigned(d, bytes)).toBe(200);
    expect((await c.get(c.ds('/vids/count'))).body.count).toBe(1);
    const b = (await c.get(c.ds('/vids'))).body.batch;
    expect(b).toMatchObject({ batchType: 'simple-batch', batchContentType: 'videos' });
    const f = (await c.get(c.ds('/vids/list'))).body.filesMetadata[0];
    expect(f).toMatchObject({ fileName: 'clip.mp4', contentType: 'videos' });
    expect((await c.post(c.ds('/vids/upload/video'), { query: { fileName: 'clip.png' } })).status).toBe(400);
    expect((await c.post(c.ds('/vids/upload/video'))).status).toBe(400);
  });
});

describe('downloads', () => {
  it('serves Content-Length, Range 206 with Content-Range, 416 when unsatisfiable, and records it', async () => {
    const png = makePng({ width: 40, height: 40, seed: 'dl' });
    await uploadImage('dl-batch', 'r.png', png);
    const url = (await c.get(c.ds('/dl-batch/list'))).body.filesMetadata[0].downloadURL as string;
    const full = await fetch(url);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-length')).toBe(String(png.length));
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    await full.arrayBuffer();
    const part = await fetch(url, { headers: { Range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${png.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(png.subarray(10, 20))).toBe(true);
    const tail = await fetch(url, { headers: { Range: `bytes=${png.length - 5}-` } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(png.subarray(png.length - 5))).toBe(true);
    const suffix = await fetch(url, { headers: { Range: 'bytes=-3' } });
    expect(Buffer.from(await suffix.arrayBuffer()).equals(png.subarray(png.length - 3))).toBe(true);
    const bad = await fetch(url, { headers: { Range: `bytes=${png.length}-` } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${png.length}`);
    await bad.arrayBuffer();
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(png.length));
    const rec = emu.inspect.downloads().find((d) => d.batchId === 'dl-batch' && d.fileName === 'r.png')!;
    expect(rec.requests).toBe(6);
    expect(rec.ranges).toEqual(['bytes=10-19', `bytes=${png.length - 5}-`, 'bytes=-3', `bytes=${png.length}-`]);
    expect(rec.bytesServed).toBe(png.length + 10 + 5 + 3);
  });

  it('rejects a tampered signature and expired URLs with 403', async () => {
    await uploadImage('dl-exp', 'e.png', makePng());
    const url = (await c.get(c.ds('/dl-exp/list'))).body.filesMetadata[0].downloadURL as string;
    const tampered = url.replace(/sig=([a-f0-9])/, (_m, ch: string) => `sig=${ch === 'a' ? 'b' : 'a'}`);
    expect((await fetch(tampered)).status).toBe(403);
    const moved = url.replace(/expires=(\d+)/, (_m, n: string) => `expires=${Number(n) + 1000}`);
    expect((await fetch(moved)).status).toBe(403);
    emu.setFaults({ signedUrlTtlSeconds: 0 });
    try {
      const expired = (await c.get(c.ds('/dl-exp/list'))).body.filesMetadata[0].downloadURL as string;
      const r = await fetch(expired);
      expect(r.status).toBe(403);
      expect(await r.text()).toMatch(/ExpiredToken/);
    } finally {
      emu.setFaults({});
    }
    emu.setFaults({ signedUrlTtlSeconds: 0.3 });
    try {
      const soon = (await c.get(c.ds('/dl-exp/list'))).body.filesMetadata[0].downloadURL as string;
      const ok = await fetch(soon);
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
      await new Promise((r) => setTimeout(r, 400));
      expect((await fetch(soon)).status).toBe(403);
    } finally {
      emu.setFaults({});
    }
  });
});

describe('references ingest', () => {
  it('ingests references to emulator-owned URLs and rejects others as unsafe-url-detected', async () => {
    await uploadImage('ref-src', 'one.png', makePng({ seed: 'ref1' }));
    await uploadImage('ref-src', 'two.png', makePng({ seed: 'ref2' }));
    const src = (await c.get(c.ds('/ref-src/list'))).body.filesMetadata as { fileName: string; downloadURL: string }[];
    const refs = [
      { name: 'r-one.png', url: src[0]!.downloadURL },
      { name: 'r-two.png', url: src[1]!.downloadURL },
      { name: 'evil.png', url: 'https://example.com/evil.png' },
    ];
    const r = await c.post(c.ds('/ref-dst/bulk-upload/image-references'), { json: { imageReferences: refs, ingestId: 'ing-a' } });
    expect(r.status).toBe(200);
    expect(r.body.ingestId).toBe('ing-a');
    expect(r.body.duplicated).toBe(false);
    expect(r.body.shardIds).toHaveLength(1);
    const again = await c.post(c.ds('/ref-dst/bulk-upload/image-references'), { json: { imageReferences: refs, ingestId: 'ing-a' } });
    expect(again.body).toMatchObject({ ingestId: 'ing-a', duplicated: true, shardIds: r.body.shardIds });
    const conflict = await c.post(c.ds('/ref-dst/bulk-upload/image-references'), { json: { imageReferences: refs.slice(0, 1), ingestId: 'ing-a' } });
    expect(conflict.status).toBe(409);
    const shard = await waitFor(async () => {
      const s = (await c.get(c.ds('/ref-dst/shards'))).body.shards[0];
      return s.statusType !== 'info' ? s : undefined;
    });
    expect(shard.shardId).toBe(r.body.shardIds[0]);
    expect(shard.statusMetadata.ingestedFiles).toBe(2);
    expect(shard.statusMetadata.failedFiles).toEqual([expect.objectContaining({ type: 'unsafe-url-detected', fileName: 'evil.png' })]);
    expect((await c.get(c.ds('/ref-dst/count'))).body.count).toBe(2);
    const gen = await c.post(c.ds('/ref-dst2/bulk-upload/image-references'), { json: { imageReferences: refs.slice(0, 1) } });
    expect(typeof gen.body.ingestId).toBe('string');
    expect(gen.body.ingestId.length).toBeGreaterThan(0);
  });

  it('validates the references body strictly', async () => {
    const bad = [
      {},
      { imageReferences: [] },
      { imageReferences: [{ name: 'a.png' }] },
      { imageReferences: [{ name: 'a.png', url: 'http://x', extra: 1 }] },
      { imageReferences: [{ name: 'a.png', url: 'http://x' }], imageReferencesURL: 'https://x' },
      { image_references: [{ name: 'a.png', url: 'http://x' }] },
      { imageReferences: [{ name: 'a.png', url: 'http://x' }], notificationCategories: ['bogus'] },
    ];
    for (const body of bad) expect((await c.post(c.ds('/ref-bad/bulk-upload/image-references'), { json: body })).status, JSON.stringify(body)).toBe(400);
    const noJson = await c.post(c.ds('/ref-bad/bulk-upload/image-references'), { body: '{"imageReferences":[]}', headers: { 'content-type': 'text/plain' } });
    expect(noJson.status).toBe(415);
  });

  it('a references URL that is not the emulator’s ends the shard in error', async () => {
    const r = await c.post(c.ds('/ref-url/bulk-upload/image-references'), { json: { imageReferencesURL: 'https://example.com/refs.jsonl' } });
    expect(r.status).toBe(200);
    const s = await waitFor(async () => {
      const x = (await c.get(c.ds('/ref-url/shards'))).body.shards[0];
      return x.statusType !== 'info' ? x : undefined;
    });
    expect(s.statusType).toBe('error');
    expect(s.statusMetadata.errorDetails.type).toBe('unsafe-url-detected');
  });

  it('video references return ingestId without shardIds; roboql answers 501', async () => {
    const r = await c.post(c.ds('/vref/bulk-upload/video-references'), { json: { videoReferences: [{ name: 'v.mp4', url: 'https://example.com/v.mp4' }] } });
    expect(r.status).toBe(200);
    expect(r.body.shardIds).toBeUndefined();
    expect(typeof r.body.ingestId).toBe('string');
    expect((await c.post(c.ds('/vref/roboql-ingest'), { json: { query: 'x' } })).status).toBe(501);
  });
});
