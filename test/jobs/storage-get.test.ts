// The export's HTTP/1.1 GET client (main/engine/export/storage-get.ts) against real servers on
// loopback: raw `net` servers for exact bytes (framing, every byte boundary, broken responses),
// node:http for keep-alive, and an HTTPS server with a certificate made here by the openssl CLI.

import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { ResponseParser, StorageGetError, StoragePool, type BodySink, type ResponseHead } from '../../main/engine/export/storage-get';
import { downloadToPart } from '../../main/engine/export/download';
import { BandwidthLimiter } from '../../main/engine/ingest/bandwidth';

const scratch = useScratch();
const pools: StoragePool[] = [];
afterEach(() => {
  for (const p of pools.splice(0)) p.close();
});

function pool(opts: ConstructorParameters<typeof StoragePool>[0] = {}): StoragePool {
  const p = new StoragePool(opts);
  pools.push(p);
  return p;
}

/** A sink that copies what it is given (the view is only valid during the call). */
function collector(want = true): BodySink & { head: ResponseHead | null; body: () => Buffer; calls: number } {
  const parts: Buffer[] = [];
  const c = {
    head: null as ResponseHead | null,
    calls: 0,
    body: () => Buffer.concat(parts),
    onHead(h: ResponseHead) {
      c.head = h;
      return want;
    },
    onBodyBytes(view: Buffer) {
      c.calls++;
      parts.push(Buffer.from(view));
    },
  };
  return c;
}

interface RawServer {
  url: string;
  connections: number;
  requests: string[];
  stop(): Promise<void>;
}

/** A `net` server that calls `respond` for each request head it reads (one connection may carry several). */
async function rawServer(respond: (sock: net.Socket, request: string, nthOnConnection: number, connection: number) => void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const state: RawServer = { url: '', connections: 0, requests: [], stop: async () => {} };
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    const connection = state.connections++;
    let n = 0;
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const req = buf.slice(0, end + 4);
        buf = buf.slice(end + 4);
        state.requests.push(req);
        respond(sock, req, n++, connection);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  state.stop = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return scratch.server(state);
}

/** A node:http server serving `files` by path, honouring `Range: bytes=N-`, counting connections. */
async function httpServer(files: Record<string, Buffer>, make: typeof http.createServer | typeof https.createServer = http.createServer, opts: object = {}) {
  const state = { url: '', connections: 0, servernames: [] as (string | false)[], stop: async () => {} };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const file = files[new URL(req.url!, 'http://x').pathname];
    if (!file) return res.writeHead(404).end();
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      const from = Number(m[1]);
      res.writeHead(206, { 'content-length': file.length - from, 'content-range': `bytes ${from}-${file.length - 1}/${file.length}` });
      return res.end(file.subarray(from));
    }
    res.writeHead(200, { 'content-length': file.length });
    res.end(file);
  };
  const server = (make as typeof https.createServer)(opts, handler);
  server.on(make === https.createServer ? 'secureConnection' : 'connection', (s: net.Socket) => {
    state.connections++;
    state.servernames.push((s as unknown as { servername: string | false }).servername);
  });
  await new Promise<void>((r) => server.listen(0, make === https.createServer ? 'localhost' : '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  state.url = `${make === https.createServer ? 'https://localhost' : 'http://127.0.0.1'}:${port}`;
  state.stop = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return scratch.server(state);
}

async function failure(p: Promise<unknown>): Promise<StorageGetError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageGetError);
  return err as StorageGetError;
}

describe('storage GET: response framing', () => {
  it('reads a Content-Length body byte for byte', async () => {
    const file = crypto.randomBytes(3 * 1024 * 1024 + 17);
    const srv = await httpServer({ '/f': file });
    const sink = collector();
    const head = await pool().get(`${srv.url}/f`, sink);
    expect(head).toMatchObject({ status: 200, httpVersion: '1.1', contentLength: file.length });
    expect(sink.body().equals(file)).toBe(true);
  });

  it('reads a chunked body, ignoring chunk extensions and discarding trailers, and keeps the connection', async () => {
    const srv = await rawServer((sock) =>
      sock.write(
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
          '5;name=value;flag\r\nhello\r\n' +
          '000007 ; quoted="a;b"\r\n, world\r\n' +
          'A\r\n0123456789\r\n' +
          '0;last=1\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n',
      ),
    );
    const p = pool();
    for (let i = 0; i < 3; i++) {
      const sink = collector();
      const head = await p.get(`${srv.url}/c`, sink);
      expect(head.contentLength).toBeNull();
      expect(head.headers['x-checksum']).toBeUndefined();
      expect(sink.body().toString()).toBe('hello, world0123456789');
    }
    expect(srv.connections).toBe(1);
  });

  it('reads a body delimited by the connection closing (HTTP/1.0 and 1.1 without a length)', async () => {
    const body = crypto.randomBytes(200_000);
    for (const version of ['1.0', '1.1']) {
      const srv = await rawServer((sock) => {
        sock.write(`HTTP/${version} 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n`);
        sock.write(body.subarray(0, 1000));
        setTimeout(() => sock.end(body.subarray(1000)), 20);
      });
      const sink = collector();
      const head = await pool().get(`${srv.url}/x`, sink);
      expect(head.httpVersion).toBe(version);
      expect(sink.body().equals(body)).toBe(true);
    }
  });

  it('fails a close-delimited body cut by a reset (not a clean end)', async () => {
    const srv = await rawServer((sock) => {
      sock.write('HTTP/1.1 200 OK\r\n\r\npartial');
      setTimeout(() => sock.resetAndDestroy(), 20);
    });
    const err = await failure(pool().get(`${srv.url}/x`, collector()));
    expect(err.code).toBe('ECONNRESET');
    expect(err.beforeResponse).toBe(false);
  });

  it('skips 1xx interim responses (100, 103) before the final one', async () => {
    const srv = await rawServer((sock) =>
      sock.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc'),
    );
    const sink = collector();
    const head = await pool().get(`${srv.url}/x`, sink);
    expect(head.status).toBe(200);
    expect(head.headers['link']).toBeUndefined();
    expect(sink.body().toString()).toBe('abc');
  });

  it('has no body for 204 and 304 whatever the headers say', async () => {
    const srv = await rawServer((sock, _req, n) =>
      sock.write(n === 0 ? 'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n' : 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n'),
    );
    const p = pool();
    expect((await p.get(`${srv.url}/a`, collector())).status).toBe(204);
    const sink = collector();
    expect((await p.get(`${srv.url}/b`, sink)).status).toBe(304);
    expect(sink.calls).toBe(0);
    expect(srv.connections).toBe(1);
  });

  it('joins repeated headers, lower-cases names, accepts bare LF line ends and unfolds obs-fold', async () => {
    const srv = await rawServer((sock) => sock.write('HTTP/1.1 200 OK\nX-A: 1\nx-a: 2\r\nX-Fold: one\r\n  two\r\nContent-Length: 2, 2\n\nok'));
    const sink = collector();
    const head = await pool().get(`${srv.url}/x`, sink);
    expect(head.headers).toMatchObject({ 'x-a': '1, 2', 'x-fold': 'one two', 'content-length': '2, 2' });
    expect(head.contentLength).toBe(2);
    expect(sink.body().toString()).toBe('ok');
  });

  it.each([
    ['an invalid Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n', /invalid Content-Length/],
    ['conflicting Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', /invalid Content-Length/],
    ['a negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /invalid Content-Length/],
    ['a transfer coding other than chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', /unsupported Transfer-Encoding/],
    ['Transfer-Encoding with Content-Length', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n', /both Transfer-Encoding/],
    ['Transfer-Encoding in HTTP/1.0', 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', /HTTP\/1\.0/],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /invalid chunk size/],
    ['a chunk size over the limit', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000\r\n', /chunk size too large/],
    ['chunk data not followed by CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n', /not followed by CRLF/],
    ['a bad status line', 'HTTP/1.1 2OO OK\r\n\r\n', /invalid status line/],
    ['HTTP/2 bytes', 'HTTP/2 200\r\n\r\n', /invalid status line/],
    ['not HTTP at all', 'SSH-2.0-OpenSSH\r\n', /not an HTTP/],
    ['whitespace before a header colon', 'HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx', /invalid header line/],
    ['101 Switching Protocols', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n', /101/],
  ])('refuses %s', async (_name, response, message) => {
    const srv = await rawServer((sock) => sock.write(response));
    const err = await failure(pool().get(`${srv.url}/x`, collector()));
    expect(err.code).toBe('BAD_RESPONSE');
    expect(err.message).toMatch(message);
  });

  it('refuses headers over the byte or the count limit with a clear error', async () => {
    const big = await rawServer((sock) => sock.write(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(5000)}\r\nContent-Length: 0\r\n\r\n`));
    const err1 = await failure(pool({ maxHeaderBytes: 4096 }).get(`${big.url}/x`, collector()));
    expect(err1).toMatchObject({ code: 'HEADERS_TOO_LARGE', message: expect.stringMatching(/response headers longer than 4096 bytes/) });
    const many = await rawServer((sock) => sock.write(`HTTP/1.1 200 OK\r\n${'X-H: 1\r\n'.repeat(30)}Content-Length: 0\r\n\r\n`));
    const err2 = await failure(pool({ maxHeaderCount: 20 }).get(`${many.url}/x`, collector()));
    expect(err2).toMatchObject({ code: 'HEADERS_TOO_LARGE', message: expect.stringMatching(/more than 20 response headers/) });
    const trailers = await rawServer((sock) => sock.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ${'b'.repeat(5000)}\r\n\r\n`));
    const err3 = await failure(pool({ maxHeaderBytes: 4096 }).get(`${trailers.url}/x`, collector()));
    expect(err3.code).toBe('HEADERS_TOO_LARGE');
  });

  it('fails a Content-Length body the server cuts short', async () => {
    const srv = await rawServer((sock) => sock.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    const err = await failure(pool().get(`${srv.url}/x`, collector()));
    expect(err).toMatchObject({ code: 'CLOSED_EARLY', beforeResponse: false, retryable: true });
  });
});

// One response holding every framing feature, for the byte-boundary tests.
const EVERYTHING =
  'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' +
  'HTTP/1.1 200 OK\r\nX-Long: ' +
  'v'.repeat(300) +
  '\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: t\r\n\r\n';

describe('storage GET: every byte boundary', () => {
  it('parses the same response split at any two points', () => {
    const bytes = Buffer.from(EVERYTHING, 'latin1');
    const limits = { maxHeaderBytes: 65536, maxHeaderCount: 100 };
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b += 7) {
        const sink = collector();
        const parser = new ResponseParser(sink, limits);
        // A fresh buffer with junk after each piece, as the shared read buffer has.
        for (const [s, e] of [
          [0, a],
          [a, b],
          [b, bytes.length],
        ] as const) {
          const piece = Buffer.concat([bytes.subarray(s, e), Buffer.from('JUNK')]);
          parser.feed(piece, 0, e - s);
        }
        expect(parser.done, `split at ${a},${b}`).toBe(true);
        expect(parser.extra).toBe(false);
        expect(sink.body().toString(), `split at ${a},${b}`).toBe('Wikipedia in\r\n\r\nchunks.');
      }
    }
  });

  it('reads a response a server writes one byte at a time', async () => {
    const bytes = Buffer.from(EVERYTHING, 'latin1');
    const srv = await rawServer(async (sock) => {
      sock.setNoDelay(true);
      for (const byte of bytes) {
        if (sock.destroyed) return;
        sock.write(Buffer.from([byte]));
        await new Promise((r) => setImmediate(r));
      }
    });
    const p = pool();
    const sink = collector();
    await p.get(`${srv.url}/x`, sink);
    expect(sink.body().toString()).toBe('Wikipedia in\r\n\r\nchunks.');
    // Small writes arrive as many reads: the body came in pieces.
    expect(sink.calls).toBeGreaterThan(5);
    // The connection is still good for the next request.
    const again = collector();
    await p.get(`${srv.url}/y`, again);
    expect(again.body().toString()).toBe('Wikipedia in\r\n\r\nchunks.');
    expect(srv.connections).toBe(1);
  });

  it('does not reuse a connection that sent bytes after the end of the response', async () => {
    const srv = await rawServer((sock) => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'));
    const p = pool();
    for (let i = 0; i < 2; i++) expect((await p.get(`${srv.url}/x`, collector())).status).toBe(200);
    expect(srv.connections).toBe(2);
  });
});

describe('storage GET: connections', () => {
  it('reuses kept-alive connections per origin', async () => {
    const file = crypto.randomBytes(100_000);
    const srv = await httpServer({ '/f': file });
    const p = pool();
    for (let i = 0; i < 5; i++) expect((await p.get(`${srv.url}/f`, collector())).status).toBe(200);
    expect(srv.connections).toBe(1);
    // Three at once need three connections; the next three reuse them.
    const sinks = [collector(), collector(), collector()];
    await Promise.all(sinks.map((s) => p.get(`${srv.url}/f`, s)));
    await Promise.all(sinks.map((s) => p.get(`${srv.url}/f`, s)));
    expect(srv.connections).toBe(3);
    expect(sinks.every((s) => s.body().equals(Buffer.concat([file, file])))).toBe(true);
  });

  it('keeps at most maxIdlePerOrigin idle sockets', async () => {
    const srv = await httpServer({ '/f': Buffer.from('x') });
    const p = pool({ maxIdlePerOrigin: 2 });
    await Promise.all([1, 2, 3, 4].map(() => p.get(`${srv.url}/f`, collector())));
    await Promise.all([1, 2, 3, 4].map(() => p.get(`${srv.url}/f`, collector())));
    expect(srv.connections).toBe(6); // 4, then 2 reused and 2 new
  });

  it('closes a socket left idle past the idle timeout', async () => {
    let closed: Promise<void> = Promise.resolve();
    const srv = await rawServer((sock) => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      closed = new Promise((r) => sock.on('close', () => r()));
    });
    const started = Date.now();
    await pool({ idleTimeoutMs: 100 }).get(`${srv.url}/x`, collector());
    await closed;
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('honours Connection: close', async () => {
    const srv = await rawServer((sock) => sock.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'));
    const p = pool();
    for (let i = 0; i < 2; i++) await p.get(`${srv.url}/x`, collector());
    expect(srv.connections).toBe(2);
  });

  it('reconnects when the server closed an idle kept-alive socket', async () => {
    const srv = await rawServer((sock) => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      setTimeout(() => sock.end(), 20);
    });
    const p = pool();
    await p.get(`${srv.url}/x`, collector());
    await new Promise((r) => setTimeout(r, 150));
    const sink = collector();
    await p.get(`${srv.url}/x`, sink);
    expect(sink.body().toString()).toBe('ok');
    expect(srv.connections).toBe(2);
  });

  it('retries once at once when a reused socket dies before any response byte', async () => {
    // The race a keep-alive timeout makes: the request goes out as the server drops the socket.
    const srv = await rawServer((sock, _req, n) => {
      if (n === 0) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else sock.resetAndDestroy();
    });
    const p = pool();
    await p.get(`${srv.url}/x`, collector());
    const sink = collector();
    await p.get(`${srv.url}/x`, sink);
    expect(sink.body().toString()).toBe('ok');
    expect(srv.connections).toBe(2);
    expect(srv.requests.length).toBe(3);
  });

  it('does not retry a fresh connection, nor one that failed after the response began', async () => {
    const reset = await rawServer((sock) => sock.resetAndDestroy());
    const err = await failure(pool().get(`${reset.url}/x`, collector()));
    expect(err).toMatchObject({ code: 'ECONNRESET', beforeResponse: true, retryable: true });
    expect(reset.requests.length).toBe(1);

    const cut = await rawServer((sock, _req, n) => {
      if (n === 0) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else sock.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n');
    });
    const p = pool();
    await p.get(`${cut.url}/x`, collector());
    expect((await failure(p.get(`${cut.url}/x`, collector()))).code).toBe('CLOSED_EARLY');
    expect(cut.requests.length).toBe(2);
  });

  it('aborts mid-body: the socket is destroyed and the promise rejects with the reason', async () => {
    let serverSaw: Promise<void> = Promise.resolve();
    const srv = await rawServer((sock) => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n' + 'a'.repeat(1000));
      serverSaw = new Promise((r) => sock.on('close', () => r()));
    });
    const ac = new AbortController();
    const reason = new Error('stop now');
    const sink = collector();
    const onBodyBytes = sink.onBodyBytes;
    sink.onBodyBytes = (v) => {
      onBodyBytes(v);
      ac.abort(reason);
    };
    const err = await pool()
      .get(`${srv.url}/x`, sink, { signal: ac.signal })
      .catch((e: unknown) => e);
    expect(err).toBe(reason);
    await serverSaw; // the server sees the connection go
  });

  it('aborts before connecting and while connecting; times out a connection that never completes', async () => {
    const ac = new AbortController();
    ac.abort(new Error('already'));
    await expect(pool().get('http://127.0.0.1:9/x', collector(), { signal: ac.signal })).rejects.toThrow('already');
    // A TLS handshake that never completes (the server accepts and says nothing), aborted meanwhile.
    const silent = await rawServer(() => {});
    const ac2 = new AbortController();
    const p = pool({ connectTimeoutMs: 10_000 }).get(silent.url.replace('http:', 'https:') + '/x', collector(), { signal: ac2.signal });
    setTimeout(() => ac2.abort(new Error('gave up')), 50);
    await expect(p).rejects.toThrow('gave up');
    // And the connect timeout, when nobody aborts.
    const err = await failure(pool({ connectTimeoutMs: 200 }).get(silent.url.replace('http:', 'https:') + '/x', collector()));
    expect(err).toMatchObject({ code: 'CONNECT_TIMEOUT', retryable: true });
  });

  it('times out a response that stops sending (read-idle timeout, retryable)', async () => {
    const srv = await rawServer((sock) => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc'));
    const started = Date.now();
    const err = await failure(pool({ readIdleTimeoutMs: 200 }).get(`${srv.url}/x`, collector()));
    expect(err).toMatchObject({ code: 'READ_TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('passes the sink’s own error through unchanged and drops the connection', async () => {
    const srv = await httpServer({ '/f': crypto.randomBytes(10_000) });
    const diskFull = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    const sink = collector();
    sink.onBodyBytes = () => {
      throw diskFull;
    };
    await expect(pool().get(`${srv.url}/f`, sink)).rejects.toBe(diskFull);
  });

  it('never puts the URL query (the signature) in an error', async () => {
    const srv = await rawServer((sock) => sock.end('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'));
    const err = await failure(pool().get(`${srv.url}/bucket/obj.png?X-Goog-Signature=SECRETSIG&X-Goog-Credential=CRED`, collector()));
    expect(err.message).toContain('/bucket/obj.png');
    expect(err.message).not.toMatch(/SECRETSIG|CRED|\?/);
    const refused = await failure(pool().get('http://127.0.0.1:9/o?X-Goog-Signature=SECRETSIG', collector()));
    expect(refused.message).not.toMatch(/SECRETSIG/);
  });

  it('lets the process exit with idle sockets in the pool', async () => {
    const srv = await httpServer({ '/f': Buffer.from('hello') });
    const module = path.resolve('main/engine/export/storage-get.ts');
    const code = `import { storageGet } from ${JSON.stringify(module)};
      let n = 0; await storageGet(${JSON.stringify(srv.url + '/f')}, { onHead: () => true, onBodyBytes: (v) => { n += v.length; } });
      console.log('got', n);`;
    const child = scratch.child(spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] }));
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const started = Date.now();
    const exitCode = await new Promise((r) => child.on('exit', r));
    expect(out.trim()).toBe('got 5');
    expect(exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(3500); // before the 4 s idle timeout would close it
    expect(srv.connections).toBe(1);
  });
});

describe('storage GET over TLS', () => {
  function makeCert(): { key: Buffer; cert: Buffer } {
    const dir = scratch.dir('tls');
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
    return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
  }

  it('downloads over https with SNI and ALPN, reuses the connection, and checks the certificate', async () => {
    const { key, cert } = makeCert();
    const file = crypto.randomBytes(4 * 1024 * 1024 + 3);
    const srv = await httpServer({ '/f': file }, https.createServer, { key, cert, ALPNProtocols: ['http/1.1'] });
    const p = pool({ tls: { ca: cert } });
    for (let i = 0; i < 3; i++) {
      const sink = collector();
      await p.get(`${srv.url}/f?X-Goog-Signature=s`, sink);
      expect(sink.body().equals(file)).toBe(true);
    }
    expect(srv.connections).toBe(1);
    expect(srv.servernames).toEqual(['localhost']);
    // Without our CA the self-signed certificate is refused.
    const err = await failure(pool().get(`${srv.url}/f`, collector()));
    expect(err.message).toMatch(/certificate/i);
  });
});

describe('download.ts on this client', () => {
  it('resumes a .part with Range and ends byte for byte', async () => {
    const file = crypto.randomBytes(1024 * 1024 + 5);
    const srv = await httpServer({ '/f': file });
    const part = path.join(scratch.dir('dl'), 'f.part');
    fs.writeFileSync(part, file.subarray(0, 300_000));
    let reported = 0;
    const size = await downloadToPart({ url: `${srv.url}/f?X-Goog-Signature=s`, partPath: part, onBytes: (n) => (reported += n) });
    expect(size).toBe(file.length);
    expect(reported).toBe(file.length - 300_000);
    expect(fs.readFileSync(part).equals(file)).toBe(true);
  });

  it('takes a chunked 200 after a 103 as the whole file', async () => {
    const body = crypto.randomBytes(70_000);
    const srv = await rawServer((sock) => {
      sock.write('HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      for (let i = 0; i < body.length; i += 30_000) {
        const c = body.subarray(i, i + 30_000);
        sock.write(`${c.length.toString(16)}\r\n`);
        sock.write(c);
        sock.write('\r\n');
      }
      sock.write('0\r\n\r\n');
    });
    const part = path.join(scratch.dir('dl'), 'f.part');
    expect(await downloadToPart({ url: `${srv.url}/f`, partPath: part })).toBe(body.length);
    expect(fs.readFileSync(part).equals(body)).toBe(true);
  });
});

describe('bandwidth cap', () => {
  it('keeps a download to the shared cap, with every byte intact', async () => {
    const body = crypto.randomBytes(1_500_000);
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as net.AddressInfo;
      const limiter = new BandwidthLimiter(1_000_000);
      const sink = collector();
      const started = Date.now();
      await pool().get(`http://127.0.0.1:${port}/f`, sink, { limiter });
      // 1.5 MB at 1 MB/s, less the limiter's quarter-second burst: at least ~1.25 s (loopback alone: milliseconds).
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(sink.body().equals(body)).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
