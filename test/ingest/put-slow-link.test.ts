// On a slow uplink (8 shards sharing ~1 Mbit/s) a 1 MiB chunk of file data takes longer than the
// stall timeout to leave the socket, though bytes keep moving: such a PUT must complete, while a
// server that reads nothing at all must still be caught as stalled. Real PUTs of real tar shards
// (pooled whole-file reads and a streamed large file) to a throttled HTTP server, through undici
// with the storage agent's write-tracking connector, over a Unix socket: its fixed ~200 KB buffer lets
// writes complete a little at a time as on a slow link, where loopback TCP grows its send buffer
// to 4 MB and wakes the writer only every ~1.4 MB.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Agent } from 'undici';
import { trackedConnector } from '../../main/engine/ingest/chunk-pool';
import { PutError, putStream } from '../../main/engine/ingest/put';
import { tarStream } from '../../main/engine/ingest/tar-pack';
import { tarSize } from '../../main/engine/ingest/tar-size';
import { slowTarReceiver } from './slow-tar-receiver';

const RATE = 512 * 1024; // bytes/s the server reads: a 1 MiB chunk drains in ~2 s, 256 KiB in ~0.5 s
const STALL_MS = 1200;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-slow-'));
// two files read whole into the slab pool (just under 1 MiB each) and one streamed in 1 MiB chunks
const members = [1000_000, 1048_000, 2 * 1024 * 1024 + 5].map((size, i) => {
  const p = path.join(dir, `f${i}.png`);
  fs.writeFileSync(p, crypto.randomBytes(size));
  return { sourcePath: p, batchName: `f${i}.png`, size, mtimeMs: Math.floor(fs.statSync(p).mtimeMs) };
});

const received = new Map<string, Buffer>();
let mode: 'slow' | 'silent' = 'slow';
// throttled: after each chunk, wait as long as RATE allows before reading on
const receive = slowTarReceiver(received, (c) => (c.length / RATE) * 1000);
const server = http.createServer((req, res) => {
  if (mode === 'silent') return req.pause(); // reads nothing, answers nothing
  receive(req, res);
});
const socketPath = path.join(dir, 'storage.sock');
const dispatcher = new Agent({ connect: trackedConnector({ socketPath, timeout: 5000 }), headersTimeout: 0, bodyTimeout: 0 });
const url = 'http://storage.test';
beforeAll(() => new Promise<void>((r) => server.listen(socketPath, () => r())));
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await dispatcher.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('a slow but moving upload whose 1 MiB chunks each take longer than the stall timeout completes intact', async () => {
  mode = 'slow';
  await putStream({ url: `${url}/slow`, headers: {}, contentLength: tarSize(members), body: tarStream(members), stallMs: STALL_MS, dispatcher });
  for (const m of members) expect(received.get(m.batchName)?.equals(fs.readFileSync(m.sourcePath)), m.batchName).toBe(true);
}, 60_000);

it('a server that reads nothing is still caught as stalled', async () => {
  mode = 'silent';
  const started = Date.now();
  const err = await putStream({ url: `${url}/silent`, headers: {}, contentLength: tarSize(members), body: tarStream(members), stallMs: STALL_MS, dispatcher }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PutError);
  expect((err as PutError).message).toMatch(/transfer stalled/);
  expect((err as PutError).kind).toBe('retryable');
  expect(Date.now() - started).toBeLessThan(STALL_MS + 3000);
}, 30_000);
