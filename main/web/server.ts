// The web host: the same contract as the desktop preload, over HTTP on loopback (PROTOCOL.md).
// POST /api/invoke/<channel> → Result JSON; GET /api/events → server-sent events. Every /api route
// needs the session token; static files (the renderer) load without it but can do nothing.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Host } from '../host/host';
import { silentLogger, type Logger } from '../engine/log';
import { redact } from '../engine/secrets';
import { resolveStatic, sendFile } from './static-files';
import { newSessionToken, requestToken, tokenMatches } from './token';
import { RENDERER_CSP } from '../renderer-csp';
import type { EventChannels } from '../../shared/contract';
import { NoticeReplay } from './notice-replay';

const MAX_BODY_BYTES = 1024 * 1024;
const PING_MS = 15_000;

export interface WebServerOptions {
  host: Host;
  /** The built renderer (dist/renderer); may be missing (API only). */
  staticDir?: string;
  port?: number;
  /** Interface to bind; loopback by default. */
  hostname?: string;
  token?: string;
  log?: Logger;
}

export interface WebServer {
  url: string;
  /** The URL to open, token included. */
  openUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? newSessionToken();
  const hostname = opts.hostname ?? '127.0.0.1';
  const log = opts.log ?? silentLogger;
  const streams = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let port = 0;
  const notices = new NoticeReplay();
  // One subscription for every open stream: each event is framed once, and a notice is kept (for
  // a browser reconnecting after it) even while no stream is open.
  const unsubscribe = opts.host.subscribe((event, payload) => {
    if (event === 'notice') {
      const frame = sseFrame(event, payload, notices.record(payload as EventChannels['notice']));
      for (const s of streams) s.write(frame);
      return;
    }
    if (streams.size === 0) return;
    const frame = sseFrame(event, payload);
    for (const s of streams) s.write(frame);
  });

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      log.error('web request failed', { error: redact(String((err as Error)?.message ?? err)) });
      if (!res.headersSent) sendJson(res, 500, failure('internal', 'The server could not answer this request.'));
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setCommonHeaders(res);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!hostAllowed(req.headers.host, hostname, port)) {
      return sendJson(res, 403, failure('unauthorized', 'This address is not allowed; open the URL printed by batch-desk serve.'));
    }
    if (url.pathname.startsWith('/api/')) {
      res.setHeader('cache-control', 'no-store');
      if (!tokenMatches(requestToken(req.headers.authorization, url), token)) {
        req.resume();
        return sendJson(res, 401, failure('unauthorized', 'Missing or wrong session token. Open the full URL printed by batch-desk serve.'));
      }
      if (url.pathname === '/api/events') return events(req, res);
      const m = /^\/api\/invoke\/([^/]+)$/.exec(url.pathname);
      if (!m) return sendJson(res, 404, failure('not-found', 'No such API route.'));
      return invoke(decodeURIComponent(m[1]!), req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, failure('invalid-argument', 'Method not allowed.'));
    const file = opts.staticDir ? resolveStatic(opts.staticDir, url.pathname) : undefined;
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end(opts.staticDir ? 'Not found.' : 'The web UI is not built (dist/renderer is missing). Run npm run build.');
    }
    sendFile(res, file, req.method === 'HEAD');
  }

  async function invoke(channel: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      req.resume();
      return sendJson(res, 405, failure('invalid-argument', 'Use POST for /api/invoke.'));
    }
    if (!(opts.host.handlers as Record<string, unknown>)[channel]) {
      req.resume();
      return sendJson(res, 404, failure('invalid-argument', `Unknown channel "${channel.slice(0, 60)}".`));
    }
    const type = String(req.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(type)) {
      req.resume();
      return sendJson(res, 415, failure('invalid-argument', 'Send the arguments as application/json.'));
    }
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) return sendJson(res, 413, failure('invalid-argument', 'The request body is too large.'));
    let args: unknown;
    try {
      args = body.length === 0 ? {} : JSON.parse(body);
    } catch {
      return sendJson(res, 400, failure('invalid-argument', 'The request body is not valid JSON.'));
    }
    sendJson(res, 200, await opts.host.invoke(channel, args));
  }

  function events(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') return sendJson(res, 405, failure('invalid-argument', 'Use GET for /api/events.'));
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    const lastEventId = req.headers['last-event-id'];
    for (const { id, notice } of notices.missedSince(typeof lastEventId === 'string' ? lastEventId : undefined)) {
      res.write(sseFrame('notice', notice, id));
    }
    streams.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    ping.unref();
    const end = () => {
      clearInterval(ping);
      streams.delete(res);
    };
    req.on('close', end);
    res.on('close', end);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      unsubscribe(); // the port is taken: this server never runs
      reject(err);
    });
    server.listen(opts.port ?? 0, hostname, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = hostname.includes(':') ? `[${hostname}]` : hostname;
  const base = `http://${shownHost}:${port}/`;

  return {
    url: base,
    openUrl: `${base}?token=${encodeURIComponent(token)}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const s of streams) s.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

function setCommonHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', RENDERER_CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
}

/** DNS-rebinding guard: when bound to loopback, only loopback names are accepted in Host. */
export function hostAllowed(header: string | undefined, bound: string, port: number): boolean {
  if (!isLoopback(bound)) return true;
  if (!header) return false;
  const names = ['127.0.0.1', 'localhost', '[::1]', bound.includes(':') ? `[${bound}]` : bound];
  // Browsers leave the default port out of Host.
  const allowed = names.flatMap((h) => (port === 80 ? [h, `${h}:80`] : [`${h}:${port}`]));
  return allowed.includes(header.toLowerCase());
}

function isLoopback(h: string): boolean {
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

function sseFrame(event: string, payload: unknown, id?: string): string {
  return `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
}

function failure(code: string, message: string) {
  return { ok: false, error: { code, message } };
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
