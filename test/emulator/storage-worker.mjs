// The emulator's storage upload endpoint (`PUT /_storage/up/…`), on its own port in a worker thread.
//
// Why a thread of its own: Node's HTTP parser copies every body chunk it reads into a fresh buffer
// (about 64 KiB per socket read), and those buffers live until the next young-generation GC. V8
// counts such external memory allocated since the last full GC against the old generation's
// allocation limit, and it only starts full (mark-compact) collections once the old generation is
// past 8 MB. The emulator's main thread holds far more than that (its code, and the index of every
// stored file: ~450 bytes per file), so 2 GB of tar shards arriving made it run 35-66 full GCs per
// 20,000-file ingest (and page-fault fresh memory for the next chunks after each). Received here,
// in an isolate that holds a few MB, the same chunks cost scavenges only. Cloud storage is another
// host than the API anyway.
//
// Plain JavaScript (not TypeScript) so the thread starts under every runner (vitest, tsx, node).
// The thread does only the I/O; every decision stays on the main thread (server.ts, `storagePut`):
// for each request it sends the head there and follows its instructions:
//   main → here: discard | receive {tmp, resetAt} | respond {status, headers, body, ifOpen}
//                | destroy | stall {ms} | limit {afterBytes, action, ms} | stop
//   here → main: listening {port} | head {id, method, url, headers} | received {id, ok, complete, bytes, error}

import { createServer } from 'node:http';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { SyncFileSink } from './file-sink.mjs';
import { limitResponseAs } from './limit-response.mjs';

const requests = new Map();
let nextId = 1;

const server = createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 5_000 }, (req, res) => {
  const id = nextId++;
  // The body is read from the start, as the main thread's own handler does in the tick the request
  // arrives (its bytes are counted even when the client goes away before the answer): into a small
  // buffer stream, which holds it (64 KiB at most, then the socket waits) until the main thread
  // says where it goes (`receive`) or that it is dropped (`discard`).
  const held = new PassThrough({ highWaterMark: 64 * 1024 });
  const r = { req, res, held, bytes: 0, resetAt: null, failed: null };
  req.on('data', (c) => {
    r.bytes += c.length;
    if (r.resetAt !== null && r.bytes >= r.resetAt) req.socket.destroy();
  });
  const fail = (err) => {
    if (r.failed) return;
    r.failed = err;
    held.end();
  };
  req.on('error', fail);
  req.on('close', () => {
    if (!req.complete) fail(new Error('aborted'));
  });
  req.pipe(held);
  requests.set(id, r);
  res.on('close', () => {
    // The connection went away unanswered. On the main thread's server such a request is destroyed
    // and a body not read yet is lost: the PUT fails and stores nothing, even if every byte had
    // arrived. So here too, whatever was held.
    if (!res.writableFinished) fail(new Error('aborted'));
    // kept a while: the main thread's instructions may still be on their way
    setTimeout(() => requests.delete(id), 30_000).unref();
  });
  parentPort.postMessage({ t: 'head', id, method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
});
server.on('clientError', (_e, socket) => socket.destroy());

async function receive(id, r, tmp, resetAt) {
  r.resetAt = resetAt;
  if (resetAt !== null && r.bytes >= resetAt) r.req.socket.destroy();
  try {
    await pipeline(r.held, new SyncFileSink(tmp));
    if (r.failed) throw r.failed;
    parentPort.postMessage({ t: 'received', id, ok: true, complete: r.req.complete, bytes: r.bytes });
  } catch (err) {
    parentPort.postMessage({ t: 'received', id, ok: false, complete: r.req.complete, bytes: r.bytes, error: err instanceof Error ? err.message : String(err) });
  }
}

parentPort.on('message', (m) => {
  if (m.t === 'stop') {
    server.close(() => parentPort.postMessage({ t: 'stopped' }));
    server.closeAllConnections();
    return;
  }
  const r = requests.get(m.id);
  if (!r) {
    if (m.t === 'receive') parentPort.postMessage({ t: 'received', id: m.id, ok: false, complete: false, bytes: 0, error: 'connection closed' });
    return;
  }
  const { req, res } = r;
  switch (m.t) {
    case 'discard':
      r.held.resume();
      break;
    case 'receive':
      void receive(m.id, r, m.tmp, m.resetAt);
      break;
    case 'respond':
      if (m.ifOpen && (res.headersSent || req.socket.destroyed)) break;
      res.writeHead(m.status, m.headers);
      res.end(m.body ? Buffer.from(m.body) : undefined);
      break;
    case 'destroy':
      req.socket.destroy();
      break;
    case 'stall': {
      req.unpipe(r.held);
      req.pause();
      const t = setTimeout(() => req.socket.destroy(), m.ms);
      req.socket.once('close', () => clearTimeout(t));
      break;
    }
    case 'limit':
      limitResponseAs(res, m.afterBytes, m.action, m.ms);
      break;
    default:
      break;
  }
});

server.listen(0, workerData.host, () => parentPort.postMessage({ t: 'listening', port: server.address().port }));
