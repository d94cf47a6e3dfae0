// HTTP/1.1 GET for the export's signed storage URLs (GCS-like), reading every socket into ONE reused
// buffer (Node's `onread` socket option). Node's normal read path (undici, node:http, net 'data')
// allocates a fresh 64 KiB buffer per read; at export rates that cost ~0.5 CPU-s per 200 MB more than
// curl in page faults and external-memory GCs, and kept the export at ~0.6x curl's throughput.
//
// Supports (RFC 9112): http and https (SNI, ALPN http/1.1, default CAs or the pool's `tls` options);
// HTTP/1.0 and 1.1 responses; 1xx interim responses skipped; bodies framed by Content-Length, by
// chunked transfer coding (extensions ignored, trailers read and discarded) or by the connection's
// close; 204/304 have no body; keep-alive reuse per origin (capped idle sockets, idle timeout,
// unref'd); a request that fails before any response byte on a REUSED socket is retried once on a
// fresh one (GET is idempotent); connect and read-idle timeouts; AbortSignal at any point.
// Refuses (an error): transfer codings other than chunked, Transfer-Encoding with Content-Length or in
// an HTTP/1.0 response, invalid or conflicting Content-Length, malformed status/header/chunk lines,
// headers over the byte or count limit, 101 Switching Protocols, credentials in the URL.
// Not supported: redirects (signed URLs do not redirect; a 3xx is handed to the caller as is),
// request bodies, pipelining, proxies, content codings (we never send Accept-Encoding).
// Errors never contain the URL's query string (signed URLs carry credentials in it).

import net from 'node:net';
import tls from 'node:tls';
import type { BandwidthLimiter } from '../ingest/bandwidth';
import { redact } from '../secrets';

export interface ResponseHead {
  status: number;
  httpVersion: '1.0' | '1.1';
  /** Lower-case names; a repeated field's values joined with ', '. */
  headers: Record<string, string>;
  /** The body's length when Content-Length frames it; null when chunked, close-delimited or bodiless. */
  contentLength: number | null;
}

/**
 * Where a response goes.
 *
 * INVARIANT: every connection reads into one buffer shared by all sockets. `onBodyBytes(view)` gets a
 * window into that buffer that is valid ONLY DURING THE CALL: the next read on any connection
 * overwrites it. Write it (fs.writeSync) or copy it synchronously inside the call; never keep it,
 * never pass it to anything that runs later (fs.write with a callback, stream.write, a promise).
 */
export interface BodySink {
  /** The final (non-1xx) response's head. Return true to receive the body; false to drop it (the connection is closed). */
  onHead(head: ResponseHead): boolean;
  /** Body bytes in order; never empty. See the invariant above: the view is valid only during this call. */
  onBodyBytes(view: Buffer): void;
}

export class StorageGetError extends Error {
  constructor(
    message: string,
    /** A socket error's code (ECONNRESET…) or one of ours: BAD_RESPONSE, HEADERS_TOO_LARGE, CONNECT_TIMEOUT, READ_TIMEOUT, CLOSED_EARLY, ALPN. */
    readonly code: string,
    /** Worth another attempt later. */
    readonly retryable: boolean,
    /** Failed before any byte of the response arrived (what makes a reused socket safe to retry). */
    readonly beforeResponse = false,
  ) {
    super(redact(message));
    this.name = 'StorageGetError';
  }
}

export interface StoragePoolOptions {
  /** Extra node:tls options for https (tests pass a `ca`); the default CAs otherwise. */
  tls?: tls.ConnectionOptions;
  /** Idle sockets kept per origin (default 16). */
  maxIdlePerOrigin?: number;
  /** An idle socket is closed after this long (default 4 s, under common servers' keep-alive timeouts). */
  idleTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** No byte for this long during a request is a retryable error (default 60 s). */
  readIdleTimeoutMs?: number;
  /** Limits on one response head (and on the trailers): bytes and fields. */
  maxHeaderBytes?: number;
  maxHeaderCount?: number;
}

export interface GetOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  pool?: StoragePool;
  /** A bandwidth cap shared with other transfers: the socket waits for its turn after each read. */
  limiter?: BandwidthLimiter;
}

interface Limits {
  maxHeaderBytes: number;
  maxHeaderCount: number;
}

// The one read buffer (see BodySink). Large enough that a fast socket fills few reads per MB.
const readBuffer = Buffer.allocUnsafe(256 * 1024);

const MAX_INTERIM_RESPONSES = 16;
const MAX_CHUNK_LINE = 4096;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const OWS = /^[ \t]+|[ \t]+$/g;

class ProtocolError extends Error {
  constructor(
    message: string,
    readonly code = 'BAD_RESPONSE',
  ) {
    super(message);
  }
}

/**
 * One response, fed in pieces at any byte boundary. Errors in the bytes throw ProtocolError; errors
 * thrown by the sink pass through unchanged. Exported for the tests.
 */
export class ResponseParser {
  head: ResponseHead | null = null;
  /** The response is complete (or its body was declined). */
  done = false;
  /** The sink took the body. */
  wantBody = false;
  /** The connection may carry another request after this response. */
  keepAlive = false;
  /** Bytes came after the end of the response: the connection must not be reused. */
  extra = false;
  /** Any byte of a response (interim ones included) arrived. */
  sawBytes = false;

  private state: 'head' | 'length' | 'close' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'done' = 'head';
  private text = '';
  private remaining = 0;
  private interim = 0;
  private trailerBytes = 0;
  private trailerCount = 0;

  constructor(
    private readonly sink: BodySink,
    private readonly limits: Limits,
  ) {}

  feed(buf: Buffer, start: number, end: number): void {
    if (end > start) this.sawBytes = true;
    let i = start;
    while (i < end) {
      switch (this.state) {
        case 'head':
          i = this.readHead(buf, i, end);
          break;
        case 'length':
        case 'chunk-data': {
          const n = Math.min(this.remaining, end - i);
          this.sink.onBodyBytes(buf.subarray(i, i + n));
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            if (this.state === 'length') this.finish();
            else this.state = 'chunk-crlf';
          }
          break;
        }
        case 'close':
          this.sink.onBodyBytes(buf.subarray(i, end));
          i = end;
          break;
        case 'chunk-crlf': {
          // The CRLF after a chunk's data; `text` holds the CR when the two arrive apart.
          const want = this.text.length === 0 ? 13 : 10;
          if (buf[i] !== want) throw new ProtocolError('chunk data not followed by CRLF');
          i++;
          if (want === 13) this.text = '\r';
          else {
            this.text = '';
            this.state = 'chunk-size';
          }
          break;
        }
        case 'chunk-size': {
          const [line, next] = this.takeLine(buf, i, end, MAX_CHUNK_LINE, 'chunk size line');
          i = next;
          if (line !== null) this.chunkSize(line);
          break;
        }
        case 'trailers': {
          const room = this.limits.maxHeaderBytes - this.trailerBytes;
          const [line, next] = this.takeLine(buf, i, end, room, 'trailers');
          this.trailerBytes += next - i;
          i = next;
          if (line === null) break;
          if (line === '' || line === '\r') this.finish();
          else if (++this.trailerCount > this.limits.maxHeaderCount) throw new ProtocolError(`more than ${this.limits.maxHeaderCount} trailer fields`, 'HEADERS_TOO_LARGE');
          break;
        }
        case 'done':
          this.extra = true;
          return;
      }
    }
  }

  /** The connection ended cleanly; true when that completes the response (a close-delimited body). */
  eof(): boolean {
    if (this.state === 'close') this.finish();
    return this.done;
  }

  private finish(): void {
    this.state = 'done';
    this.done = true;
  }

  /** A line up to LF (returned with any CR), or null when it continues in the next read. */
  private takeLine(buf: Buffer, i: number, end: number, limit: number, what: string): [string | null, number] {
    const nl = buf.subarray(i, end).indexOf(10);
    const stop = nl === -1 ? end : i + nl;
    if (this.text.length + (stop - i) > limit) throw new ProtocolError(`${what} longer than ${limit} bytes`, what === 'trailers' ? 'HEADERS_TOO_LARGE' : 'BAD_RESPONSE');
    this.text += buf.toString('latin1', i, stop);
    if (nl === -1) return [null, end];
    const line = this.text;
    this.text = '';
    return [line, stop + 1];
  }

  private chunkSize(line: string): void {
    if (!line.endsWith('\r')) throw new ProtocolError('chunk size line not ended by CRLF');
    // chunk-size [ chunk-ext ] CRLF; extensions (BWS ";" ...) are ignored.
    const m = /^([0-9A-Fa-f]+)[ \t]*(;[^\r\n]*)?\r$/.exec(line);
    if (!m) throw new ProtocolError('invalid chunk size line');
    const hex = m[1]!.replace(/^0+(?=.)/, '');
    if (hex.length > 12) throw new ProtocolError('chunk size too large');
    this.remaining = parseInt(hex, 16);
    this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
  }

  private readHead(buf: Buffer, i: number, end: number): number {
    const before = this.text.length;
    const max = this.limits.maxHeaderBytes;
    // Never more than the limit (+1 to tell "over it"): the first read usually brings body bytes too.
    this.text += buf.toString('latin1', i, Math.min(end, i + max + 1 - before));
    if (this.text.length >= 5 && !this.text.startsWith('HTTP/')) throw new ProtocolError('not an HTTP/1.x response');
    // The head ends at an empty line: CRLF CRLF, or bare LFs (RFC 9112 2.2 lets a recipient accept LF).
    let at = -1;
    for (let k = this.text.indexOf('\n', Math.max(0, before - 3)); k !== -1; k = this.text.indexOf('\n', k + 1)) {
      if (this.text[k + 1] === '\n') {
        at = k + 2;
        break;
      }
      if (this.text[k + 1] === '\r' && this.text[k + 2] === '\n') {
        at = k + 3;
        break;
      }
    }
    if (at === -1) {
      if (this.text.length > max) throw new ProtocolError(`response headers longer than ${max} bytes`, 'HEADERS_TOO_LARGE');
      return end;
    }
    if (at > max) throw new ProtocolError(`response headers longer than ${max} bytes`, 'HEADERS_TOO_LARGE');
    const headText = this.text.slice(0, at);
    this.text = '';
    this.onHeadText(headText);
    return i + (at - before);
  }

  private onHeadText(text: string): void {
    const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    const status = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [^\r\n\0]*)?$/.exec(lines[0]!);
    if (!status) throw new ProtocolError(`invalid status line ${JSON.stringify(lines[0]!.slice(0, 80))}`);
    const code = Number(status[2]);
    const headers: Record<string, string> = {};
    let last: string | null = null;
    let count = 0;
    for (const line of lines.slice(1)) {
      if (line === '') break;
      if (/[\r\0]/.test(line)) throw new ProtocolError('header line with CR or NUL');
      if (line[0] === ' ' || line[0] === '\t') {
        // obs-fold: a user agent replaces it with SP (RFC 9112 5.2).
        if (last === null) throw new ProtocolError('header continuation without a header');
        headers[last] += ' ' + line.replace(OWS, '');
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon) : '';
      if (!TOKEN.test(name)) throw new ProtocolError(`invalid header line ${JSON.stringify(line.slice(0, 80))}`);
      if (++count > this.limits.maxHeaderCount) throw new ProtocolError(`more than ${this.limits.maxHeaderCount} response headers`, 'HEADERS_TOO_LARGE');
      last = name.toLowerCase();
      const value = line.slice(colon + 1).replace(OWS, '');
      headers[last] = headers[last] === undefined ? value : `${headers[last]}, ${value}`;
    }
    if (code < 200) {
      if (code === 101) throw new ProtocolError('unexpected 101 Switching Protocols');
      // 100 Continue, 103 Early Hints…: the final response follows on the same connection.
      if (++this.interim > MAX_INTERIM_RESPONSES) throw new ProtocolError('too many interim (1xx) responses');
      return;
    }
    const httpVersion = status[1] === '1' ? '1.1' : '1.0';
    const te = headers['transfer-encoding'];
    const cl = headers['content-length'];
    let framing: 'none' | 'length' | 'chunked' | 'close';
    let contentLength: number | null = null;
    if (te !== undefined) {
      // RFC 9112 6.1/6.3: TE in 1.0 is faulty framing; TE with CL may be smuggling: both are errors here.
      if (httpVersion === '1.0') throw new ProtocolError('Transfer-Encoding in an HTTP/1.0 response');
      if (cl !== undefined) throw new ProtocolError('both Transfer-Encoding and Content-Length');
      const codings = te.split(',').map((s) => s.replace(OWS, '').toLowerCase());
      if (codings.length !== 1 || codings[0] !== 'chunked') throw new ProtocolError(`unsupported Transfer-Encoding ${JSON.stringify(te)}`);
      framing = 'chunked';
    } else if (cl !== undefined) {
      contentLength = parseContentLength(cl);
      framing = 'length';
    } else {
      framing = 'close';
    }
    if (code === 204 || code === 304) {
      framing = 'none';
      contentLength = null;
    }
    const connection = (headers['connection'] ?? '').toLowerCase().split(',').map((s) => s.replace(OWS, ''));
    this.keepAlive = httpVersion === '1.1' && !connection.includes('close') && framing !== 'close';
    this.head = { status: code, httpVersion, headers, contentLength };
    this.wantBody = this.sink.onHead(this.head);
    if (!this.wantBody || framing === 'none' || (framing === 'length' && contentLength === 0)) return this.finish();
    if (framing === 'length') {
      this.state = 'length';
      this.remaining = contentLength!;
    } else {
      this.state = framing === 'chunked' ? 'chunk-size' : 'close';
    }
  }
}

/** Content-Length: digits; a list of identical values is accepted (RFC 9110 8.6), anything else is an error. */
function parseContentLength(value: string): number {
  const parts = value.split(',').map((s) => s.replace(OWS, ''));
  if (!parts.every((p) => /^\d{1,15}$/.test(p)) || !parts.every((p) => Number(p) === Number(parts[0]))) {
    throw new ProtocolError(`invalid Content-Length ${JSON.stringify(value.slice(0, 80))}`);
  }
  return Number(parts[0]);
}

/** How a URL shows in errors: never its query (signed URLs carry credentials there). */
function describe(u: URL): string {
  return `${u.origin}${u.pathname}`;
}

interface Exchange {
  bytes(buf: Buffer, n: number): void;
  eof(): void;
  fail(err: Error): void;
  timeout(): void;
}

class Connection {
  current: Exchange | null = null;
  served = 0;
  closed = false;
  /** The cap of the request under way (set by StoragePool.get). */
  limiter: BandwidthLimiter | undefined;

  constructor(
    readonly pool: StoragePool,
    readonly key: string,
    readonly sock: net.Socket,
  ) {
    sock.setNoDelay(true);
    sock.on('error', (err) => this.current?.fail(err));
    sock.on('end', () => this.current?.eof());
    sock.on('close', () => {
      this.closed = true;
      pool.forget(this);
      this.current?.eof();
    });
    sock.on('timeout', () => (this.current ? this.current.timeout() : this.destroy()));
  }

  /** Called from the socket's onread with the shared buffer (see BodySink). */
  onRead(buf: Buffer, n: number): void {
    if (!this.current) return this.destroy(); // bytes nobody asked for: the connection is out of step
    this.current.bytes(buf, n);
    // Under a cap, no more is read until these bytes have had their turn: the server's sends then
    // wait on TCP's window, so the whole transfer keeps to the cap, not just what we write to disk.
    const limiter = this.limiter;
    if (this.current && limiter && limiter.bytesPerSecond > 0) {
      this.sock.pause();
      void limiter.take(n).then(() => {
        if (!this.closed) this.sock.resume();
      });
    }
  }

  destroy(): void {
    this.closed = true;
    this.sock.destroy();
  }

  get reusable(): boolean {
    return !this.closed && !this.sock.destroyed && this.sock.writable && !this.sock.readableEnded;
  }

  request(u: URL, sink: BodySink, headers: Record<string, string>, signal: AbortSignal | undefined, limits: Limits, readIdleMs: number): Promise<ResponseHead> {
    return new Promise((resolve, reject) => {
      const parser = new ResponseParser(sink, limits);
      const where = `GET ${describe(u)}`;
      let settled = false;
      const finish = (err: unknown) => {
        if (settled) return;
        settled = true;
        this.current = null;
        signal?.removeEventListener('abort', onAbort);
        if (err !== null) {
          this.destroy();
          return reject(err);
        }
        this.served++;
        if (parser.wantBody && parser.keepAlive && !parser.extra && this.reusable) this.pool.release(this);
        else this.destroy();
        resolve(parser.head!);
      };
      const failed = (message: string, code: string, retryable = true) =>
        finish(new StorageGetError(`${where}: ${message}`, code, retryable, !parser.sawBytes));
      const onAbort = () => finish(signal!.reason ?? new Error('aborted'));
      this.current = {
        bytes: (buf, n) => {
          try {
            parser.feed(buf, 0, n);
          } catch (err) {
            // Bad bytes from the server become our error; the sink's own errors (a full disk) pass as they are.
            if (err instanceof ProtocolError) return failed(err.message, err.code);
            return finish(err);
          }
          if (parser.done) finish(null);
        },
        eof: () => {
          if (parser.eof()) return finish(null);
          failed(parser.head ? 'the connection closed before the body was complete' : 'the connection closed before a response', 'CLOSED_EARLY');
        },
        fail: (err) => failed(err.message, (err as NodeJS.ErrnoException).code ?? 'ECONNRESET'),
        timeout: () => failed(`no data for ${readIdleMs / 1000} s`, 'READ_TIMEOUT'),
      };
      if (signal) {
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.sock.ref();
      this.sock.setTimeout(readIdleMs);
      let text = `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n`;
      for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
      this.sock.write(text + '\r\n', 'latin1');
    });
  }
}

export class StoragePool {
  private readonly idle = new Map<string, Connection[]>();
  private readonly open = new Set<Connection>();
  private readonly opts: Required<Omit<StoragePoolOptions, 'tls'>> & { tls: tls.ConnectionOptions };

  constructor(opts: StoragePoolOptions = {}) {
    this.opts = {
      tls: opts.tls ?? {},
      maxIdlePerOrigin: opts.maxIdlePerOrigin ?? 16,
      idleTimeoutMs: opts.idleTimeoutMs ?? 4_000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 30_000,
      readIdleTimeoutMs: opts.readIdleTimeoutMs ?? 60_000,
      maxHeaderBytes: opts.maxHeaderBytes ?? 64 * 1024,
      maxHeaderCount: opts.maxHeaderCount ?? 128,
    };
  }

  /**
   * GETs `url` into `sink`. Resolves with the final response's head once the body is complete (or
   * was declined); rejects with a StorageGetError, the sink's own error, or the signal's reason.
   */
  async get(url: string, sink: BodySink, opts: Omit<GetOptions, 'pool'> = {}): Promise<ResponseHead> {
    const { signal } = opts;
    signal?.throwIfAborted();
    const u = parseUrl(url);
    const headers = checkHeaders(opts.headers ?? {}, u);
    const limits = { maxHeaderBytes: this.opts.maxHeaderBytes, maxHeaderCount: this.opts.maxHeaderCount };
    const reused = this.takeIdle(u.origin);
    if (reused) {
      reused.limiter = opts.limiter;
      try {
        return await reused.request(u, sink, headers, signal, limits, this.opts.readIdleTimeoutMs);
      } catch (err) {
        // The server closed the kept-alive socket as we reused it: nothing was received, so a GET
        // can go again at once on a fresh connection.
        if (!(err instanceof StorageGetError && err.beforeResponse && isStaleSocketCode(err.code)) || signal?.aborted) throw err;
      }
    }
    const conn = await this.connect(u, signal);
    conn.limiter = opts.limiter;
    return conn.request(u, sink, headers, signal, limits, this.opts.readIdleTimeoutMs);
  }

  /** Closes every socket, idle or not. */
  close(): void {
    for (const c of this.open) c.destroy();
    this.idle.clear();
  }

  /** @internal a finished connection that may carry another request. */
  release(conn: Connection): void {
    const list = this.idle.get(conn.key) ?? [];
    if (list.length >= this.opts.maxIdlePerOrigin) return conn.destroy();
    list.push(conn);
    this.idle.set(conn.key, list);
    conn.sock.setTimeout(this.opts.idleTimeoutMs); // the 'timeout' of an idle connection closes it
    conn.sock.unref(); // an idle pool never keeps the process alive
  }

  /** @internal */
  forget(conn: Connection): void {
    this.open.delete(conn);
    const list = this.idle.get(conn.key);
    const i = list?.indexOf(conn) ?? -1;
    if (i >= 0) list!.splice(i, 1);
  }

  private takeIdle(key: string): Connection | null {
    const list = this.idle.get(key);
    while (list?.length) {
      const conn = list.pop()!; // the most recently used: the least likely to have been closed
      if (conn.reusable) return conn;
      conn.destroy();
    }
    return null;
  }

  private connect(u: URL, signal: AbortSignal | undefined): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const https = u.protocol === 'https:';
      const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
      const port = Number(u.port || (https ? 443 : 80));
      let conn: Connection | undefined;
      const onread = { buffer: readBuffer, callback: (n: number, buf: Buffer) => (conn?.onRead(buf, n), true) };
      const sock = https
        ? tls.connect({
            ...this.opts.tls,
            host,
            port,
            servername: net.isIP(host) ? undefined : host,
            ALPNProtocols: ['http/1.1'],
            onread,
          } as tls.ConnectionOptions)
        : net.connect({ host, port, onread });
      conn = new Connection(this, u.origin, sock);
      this.open.add(conn);
      const where = `connecting to ${u.origin}`;
      let settled = false;
      const settle = (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        sock.off('error', onError);
        sock.off('close', onClose);
        if (err) {
          conn!.destroy();
          reject(err);
        } else resolve(conn!);
      };
      const timer = setTimeout(
        () => settle(new StorageGetError(`${where}: no connection after ${this.opts.connectTimeoutMs / 1000} s`, 'CONNECT_TIMEOUT', true, true)),
        this.opts.connectTimeoutMs,
      );
      const onError = (err: NodeJS.ErrnoException) => settle(new StorageGetError(`${where}: ${err.message}`, err.code ?? 'ECONNREFUSED', true, true));
      const onClose = () => settle(new StorageGetError(`${where}: the connection closed`, 'CLOSED_EARLY', true, true));
      const onAbort = () => settle(signal!.reason ?? new Error('aborted'));
      sock.on('error', onError);
      sock.on('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
      sock.once(https ? 'secureConnect' : 'connect', () => {
        const alpn = (sock as tls.TLSSocket).alpnProtocol;
        if (https && alpn && alpn !== 'http/1.1') {
          return settle(new StorageGetError(`${where}: the server chose ${alpn}, not http/1.1`, 'ALPN', false, true));
        }
        settle(null);
      });
    });
  }
}

function isStaleSocketCode(code: string): boolean {
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'CLOSED_EARLY';
}

function parseUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StorageGetError('not a valid URL', 'BAD_URL', false);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new StorageGetError(`unsupported URL scheme ${u.protocol}`, 'BAD_URL', false);
  if (u.username || u.password) throw new StorageGetError(`credentials in the URL are not supported (${describe(u)})`, 'BAD_URL', false);
  return u;
}

function checkHeaders(headers: Record<string, string>, u: URL): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value) || name.toLowerCase() === 'host') {
      throw new StorageGetError(`GET ${describe(u)}: invalid request header ${JSON.stringify(name)}`, 'BAD_REQUEST', false);
    }
  }
  return headers;
}

export const defaultStoragePool = new StoragePool();

/** GET through `opts.pool` (default: one pool for the process). See StoragePool.get. */
export function storageGet(url: string, sink: BodySink, opts: GetOptions = {}): Promise<ResponseHead> {
  return (opts.pool ?? defaultStoragePool).get(url, sink, opts);
}
