// A bandwidth cap shared by parallel uploads keeps each one waiting for its turn, longer than the
// stall timeout when the cap is low (8 shards under 1 Mbit/s): that wait is our own pacing, and the
// transfers must not be aborted as stalled for it. Real PUTs to a real server on loopback.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import { BandwidthLimiter } from '../../main/engine/ingest/bandwidth';
import { putStream } from '../../main/engine/ingest/put';

const received = new Map<string, number>();
const server = http.createServer((req, res) => {
  let n = 0;
  req.on('data', (c: Buffer) => (n += c.length));
  req.on('end', () => {
    received.set(req.url!, n);
    res.end();
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('parallel uploads under a low shared cap wait their turns longer than the stall timeout, and all arrive', async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const CHUNK = 64 * 1024;
  const BODY = 4 * CHUNK;
  // 3 uploads take turns at 512 KiB/s: each waits ~375 ms between its 64 KiB chunks, the stall timeout is 200 ms.
  const limiter = new BandwidthLimiter(512 * 1024);
  const started = Date.now();
  await Promise.all(
    ['/a', '/b', '/c'].map((p) =>
      putStream({
        url: url + p,
        headers: {},
        contentLength: BODY,
        body: Readable.from(Array.from({ length: 4 }, () => Buffer.alloc(CHUNK, 1))),
        stallMs: 200,
        limiter,
      }),
    ),
  );
  expect(Object.fromEntries(received)).toEqual({ '/a': BODY, '/b': BODY, '/c': BODY });
  // the cap held: 768 KiB at 512 KiB/s, less the first quarter second's burst
  expect(Date.now() - started).toBeGreaterThan(1000);
});
