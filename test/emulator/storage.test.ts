import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator } from './server';
import { makePngSet, makeTar } from './fixtures';
import { asBody, client, type Client, bulkUrl, putSigned, rawHttp, start, waitFor } from './testkit';

let emu: Emulator;
let c: Client;
let tar: Buffer;

beforeAll(async () => {
  emu = await start({ limits: { maxTarBytes: 200_000 } });
  c = client(emu);
  tar = await makeTar(makePngSet(3, 's'));
});
afterAll(async () => {
  await emu.stop();
});

function upload(token: string) {
  return emu.inspect.uploads().filter((u) => u.token === token);
}
const tokenOf = (url: string) => /\/_storage\/up\/([a-f0-9]+)/.exec(url)![1]!;
const shardCount = async (b: string) => ((await c.get(c.ds(`/${b}/shards`))).body.shards as unknown[]).length;

describe('signed upload URLs', () => {
  it('accepts a PUT with the extension headers and no Content-Type, once', async () => {
    const d = await bulkUrl(c, 'st-once');
    expect(d.maxFileSizeBytes).toBe(200_000);
    expect(await putSigned(d, tar)).toBe(200);
    const again = await putSigned(d, tar);
    expect(again).toBe(409);
    const recs = upload(tokenOf(d.uploadURL));
    expect(recs.map((r) => [r.completed, r.status])).toEqual([
      [true, 200],
      [false, 409],
    ]);
    expect(recs[0]!.bytesReceived).toBe(tar.length);
    await waitFor(async () => ((await c.get(c.ds('/st-once/count'))).body.count === 3 ? true : undefined));
    expect(await shardCount('st-once')).toBe(1);
  });

  it('403 when an extension header is missing or altered', async () => {
    const d = await bulkUrl(c, 'st-hdr');
    const missing = await fetch(d.uploadURL, { method: 'PUT', body: asBody(tar) });
    expect(missing.status).toBe(403);
    expect(await missing.text()).toMatch(/MissingSecurityHeader/);
    const altered = await fetch(d.uploadURL, { method: 'PUT', body: asBody(tar), headers: { 'x-goog-content-length-range': '0,999999999' } });
    expect(altered.status).toBe(403);
    // the URL is still usable after rejected attempts
    expect(await putSigned(d, tar)).toBe(200);
  });

  it('403 for a tampered signature, a moved expiry, a wrong method, an unknown token', async () => {
    const d = await bulkUrl(c, 'st-sig');
    const flip = d.uploadURL.replace(/sig=([a-f0-9])/, (_m, ch: string) => `sig=${ch === '0' ? '1' : '0'}`);
    expect((await fetch(flip, { method: 'PUT', body: asBody(tar), headers: d.extensionHeaders })).status).toBe(403);
    const later = d.uploadURL.replace(/expires=(\d+)/, (_m, n: string) => `expires=${Number(n) + 60_000}`);
    expect((await fetch(later, { method: 'PUT', body: asBody(tar), headers: d.extensionHeaders })).status).toBe(403);
    expect((await fetch(d.uploadURL, { method: 'POST', body: asBody(tar), headers: d.extensionHeaders })).status).toBe(405);
    const unknown = d.uploadURL.replace(/up\/[a-f0-9]+/, `up/${'ab'.repeat(16)}`);
    expect((await fetch(unknown, { method: 'PUT', body: asBody(tar), headers: d.extensionHeaders })).status).toBe(403);
    expect(await shardCount('st-sig')).toBe(0);
  });

  it('403 after the TTL (settable through faults)', async () => {
    emu.setFaults({ signedUrlTtlSeconds: 0.2 });
    try {
      const d = await bulkUrl(c, 'st-ttl');
      await new Promise((r) => setTimeout(r, 300));
      const r = await fetch(d.uploadURL, { method: 'PUT', body: asBody(tar), headers: d.extensionHeaders });
      expect(r.status).toBe(403);
      expect(await r.text()).toMatch(/ExpiredToken/);
    } finally {
      emu.setFaults({});
    }
    const d2 = await bulkUrl(c, 'st-ttl');
    expect(Number(/expires=(\d+)/.exec(d2.uploadURL)![1]) - Date.now()).toBeGreaterThan(3590_000);
  });

  it('400 when Content-Length exceeds the content-length-range', async () => {
    const d = await bulkUrl(c, 'st-big');
    const r = await fetch(d.uploadURL, { method: 'PUT', body: asBody(Buffer.alloc(200_001)), headers: d.extensionHeaders });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/EntityTooLarge/);
  });

  it('411 without Content-Length and for chunked bodies', async () => {
    const d = await bulkUrl(c, 'st-411');
    const noLen = await rawHttp(d.uploadURL, { method: 'PUT', headers: d.extensionHeaders, endAfterBody: false });
    expect(noLen.status).toBe(411);
    const chunked = await rawHttp(d.uploadURL, {
      method: 'PUT',
      headers: { ...d.extensionHeaders, 'Transfer-Encoding': 'chunked' },
      body: Buffer.concat([Buffer.from(`${tar.length.toString(16)}\r\n`), tar, Buffer.from('\r\n0\r\n\r\n')]),
    });
    expect(chunked.status).toBe(411);
    expect(await shardCount('st-411')).toBe(0);
  });

  it('a body shorter than Content-Length stores nothing and the URL stays usable', async () => {
    const d = await bulkUrl(c, 'st-short');
    const r = await rawHttp(d.uploadURL, {
      method: 'PUT',
      headers: { ...d.extensionHeaders, 'Content-Length': String(tar.length) },
      body: tar.subarray(0, 1000),
      endAfterBody: true,
    });
    expect(r.status).not.toBe(200);
    await waitFor(() => {
      const recs = upload(tokenOf(d.uploadURL));
      return recs.length === 1 && recs[0]!.finishedAt !== null ? true : undefined;
    });
    const rec = upload(tokenOf(d.uploadURL))[0]!;
    expect(rec.completed).toBe(false);
    expect(rec.bytesReceived).toBe(1000);
    expect(await shardCount('st-short')).toBe(0);
    expect(await putSigned(d, tar)).toBe(200);
    expect(await shardCount('st-short')).toBe(1);
  });

  it('stores large bodies intact', async () => {
    const big = await start({});
    try {
      const bc = client(big);
      const d = (await bc.post(bc.ds('/st-video/upload/video'), { query: { fileName: 'big.mp4' } })).body.signedURLDetails;
      const size = 24 * 1024 * 1024;
      const body = Buffer.alloc(size, 0x42);
      body.write('head', 0);
      body.write('tail', size - 4);
      const r = await fetch(d.uploadURL, { method: 'PUT', body: asBody(body), headers: d.extensionHeaders });
      expect(r.status).toBe(200);
      const files = await big.inspect.files('st-video');
      expect(files![0]!.size).toBe(size);
      expect(files![0]!.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    } finally {
      await big.stop();
    }
  });
});
