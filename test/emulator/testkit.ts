// Helpers shared by the emulator's own tests (and usable by other tests).

import { connect } from 'node:net';
import { type Emulator, type EmulatorOptions, startEmulator } from './server';
import { type TarEntry, makeTar } from './fixtures';

export const KEY = 'test-key';

/** A Buffer as a fetch body (Node accepts Buffers; the DOM typings want ArrayBuffer-backed views). */
export function asBody(b: Buffer): BodyInit {
  return b as unknown as BodyInit;
}
export const WS = 'sandbox';
export const ISO_TZ = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function start(opts: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  return startEmulator({ apiKeys: [KEY], timeScale: 0, ...opts });
}

export interface Res<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface Client {
  ds: (path: string) => string;
  bp: (path: string) => string;
  get<T = any>(url: string, query?: Record<string, string>, key?: string | null): Promise<Res<T>>;
  post<T = any>(url: string, init?: { json?: unknown; body?: BodyInit | Buffer; headers?: Record<string, string>; query?: Record<string, string>; key?: string | null }): Promise<Res<T>>;
}

export function withQuery(url: string, query: Record<string, string> = {}, key: string | null = KEY): string {
  const u = new URL(url);
  if (key !== null) u.searchParams.set('api_key', key);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u.toString();
}

async function toRes(r: Response): Promise<Res> {
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, body, text, headers: r.headers };
}

export function client(emu: Emulator, ws = WS): Client {
  return {
    ds: (p) => `${emu.url}/data-staging/v1/external/${ws}/batches${p}`,
    bp: (p) => `${emu.url}/batch-processing/v1/external/${ws}/jobs${p}`,
    get: async (url, query, key = KEY) => toRes(await fetch(withQuery(url, query, key))),
    post: async (url, init = {}) => {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      let body = Buffer.isBuffer(init.body) ? asBody(init.body) : init.body;
      if (init.json !== undefined) {
        body = JSON.stringify(init.json);
        headers['content-type'] = 'application/json';
      }
      return toRes(await fetch(withQuery(url, init.query, init.key === undefined ? KEY : init.key), { method: 'POST', body, headers }));
    },
  };
}

export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface SignedUrlDetails {
  uploadURL: string;
  extensionHeaders: Record<string, string>;
  method: string;
  maxFileSizeBytes: number;
  maxFilesPerArchive?: number;
}

export async function bulkUrl(c: Client, batchId: string, query: Record<string, string> = {}): Promise<SignedUrlDetails> {
  const r = await c.post(c.ds(`/${batchId}/bulk-upload/image-files`), { query });
  if (r.status !== 200) throw new Error(`bulk-upload url: ${r.status} ${r.text}`);
  return (r.body as { signedURLDetails: SignedUrlDetails }).signedURLDetails;
}

export async function putSigned(d: SignedUrlDetails, body: Buffer, extra: Record<string, string> = {}): Promise<number> {
  const r = await fetch(d.uploadURL, { method: 'PUT', body: asBody(body), headers: { ...d.extensionHeaders, ...extra } });
  await r.arrayBuffer();
  return r.status;
}

/** Uploads entries as one tar shard and waits until the shard is indexed. Returns the shard. */
export async function uploadShard(c: Client, batchId: string, entries: TarEntry[] | Buffer, opts: { pax?: boolean } = {}): Promise<any> {
  const d = await bulkUrl(c, batchId);
  const tar = Buffer.isBuffer(entries) ? entries : await makeTar(entries, opts);
  const before = ((await c.get(c.ds(`/${batchId}/shards`), { pageSize: '1000' })).body.shards as unknown[]).length;
  const st = await putSigned(d, tar);
  if (st !== 200) throw new Error(`PUT failed: ${st}`);
  return waitFor(
    async () => {
      const shards = (await c.get(c.ds(`/${batchId}/shards`), { pageSize: '1000' })).body.shards as { statusType: string }[];
      const s = shards[before];
      return s && s.statusType !== 'info' ? s : undefined;
    },
    10_000,
    'shard indexing',
  );
}

export function minimalJob(batchId: string, ws = WS): Record<string, any> {
  return {
    type: 'simple-image-processing-v1',
    jobInput: { type: 'staging-batch-input-v1', batchId },
    computeConfiguration: { type: 'compute-configuration-v2' },
    processingSpecification: { type: 'workflows-processing-specification-v1', workspace: ws, workflowId: 'wf', persistImagesOutputs: false },
  };
}

export async function waitTerminal(c: Client, jobId: string, timeoutMs = 10_000): Promise<any> {
  return waitFor(
    async () => {
      const r = await c.get(c.bp(`/${jobId}`));
      return r.body.job?.isTerminal ? r.body.job : undefined;
    },
    timeoutMs,
    `job ${jobId} terminal`,
  );
}

export interface RawResult {
  status: number | null;
  head: string;
  body: Buffer;
  /** true when the server closed/reset the connection */
  closed: boolean;
  error: string | null;
}

/**
 * Raw HTTP/1.1 over a socket: full control of headers and body (e.g. a body
 * shorter than Content-Length, then close). Resolves when the server answers
 * and closes, or when `waitMs` passes.
 */
export function rawHttp(url: string, opts: { method: string; headers: Record<string, string>; body?: Buffer; endAfterBody?: boolean; waitMs?: number }): Promise<RawResult> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock = connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    let error: string | null = null;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const all = Buffer.concat(chunks);
      const sep = all.indexOf('\r\n\r\n');
      const head = sep >= 0 ? all.subarray(0, sep).toString('latin1') : all.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
      resolve({ status: status ? Number(status) : null, head, body: sep >= 0 ? all.subarray(sep + 4) : Buffer.alloc(0), closed, error });
    };
    const timer = setTimeout(() => finish(false), opts.waitMs ?? 2000);
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', (e) => {
      error = e.message;
    });
    sock.on('close', () => finish(true));
    sock.on('connect', () => {
      const lines = [`${opts.method} ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, 'Connection: close', ...Object.entries(opts.headers).map(([k, v]) => `${k}: ${v}`)];
      sock.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (opts.body) sock.write(opts.body);
      if (opts.endAfterBody) sock.end();
    });
  });
}
