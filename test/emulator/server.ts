// Roboflow Data Staging + Batch Processing API emulator (see README.md).
// Real HTTP on loopback, node:http only; every body is streamed to/from disk.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rename, unlink } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { ApiError } from './errors';
import { SyncFileSink } from './file-sink.mjs';
import { type LimitAction, limitResponseAs } from './limit-response.mjs';
import { type FaultConfig, type FaultRule, FaultEngine, ROUTE_IDS, type RouteId, validateFaultConfig } from './faults';
import { type Reference, commitShard, failShard, fileNameProblem, stageReferences, stageTar } from './indexer';
import { type Job, JobEngine, TIMINGS, checkId, validateJobBody, validateRestartBody } from './jobs';
import { Signer } from './signing';
import { type WebhookDelivery, Webhooks } from './webhooks';
import {
  type Batch,
  type ContentType,
  type FailedFile,
  type FileEntry,
  type Shard,
  IMAGE_EXTENSIONS,
  MAX_FILES_PER_ARCHIVE,
  MAX_IMAGE_BYTES,
  Store,
  VIDEO_EXTENSIONS,
  extensionOf,
  imageKindByMagic,
  objectStream,
  readObject,
} from './store';

export type { FaultConfig } from './faults';

export interface EmulatorOptions {
  port?: number;
  host?: string;
  apiKeys: string[];
  /** workspace slug for every key; default `sandbox` */
  workspace?: string;
  /** default: a new temp dir, removed on stop() */
  dataDir?: string;
  /** multiplies every simulated delay; 0 = as fast as possible. Default 1 */
  timeScale?: number;
  faults?: FaultConfig;
  /** size limits handed out with signed URLs */
  limits?: { maxTarBytes?: number; maxVideoBytes?: number };
}

export interface InspectBatch {
  batchId: string;
  displayName: string;
  batchType: string;
  batchContentType: string;
  mode: 'simple' | 'bulk' | 'system';
  count: number;
  parts: Record<string, number> | null;
  shards: { total: number; pending: number; success: number; error: number };
}

export interface InspectFile {
  name: string;
  size: number;
  sha256: string;
  receivedCount: number;
  shardId: string | null;
  partName: string | null;
}

export interface InspectUpload {
  token: string;
  kind: 'video' | 'tar-shard' | 'unknown';
  batchId: string | null;
  fileName: string | null;
  contentLength: number | null;
  bytesReceived: number;
  completed: boolean;
  status: number | null;
  faulted: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface InspectDownload {
  batchId: string;
  partName: string | null;
  fileName: string;
  requests: number;
  bytesServed: number;
  ranges: string[];
}

export interface InspectJob {
  jobId: string;
  createCalls: number;
  conflicts: number;
  restarts: number;
  aborts: number;
  job: Record<string, unknown>;
  stages: (Record<string, unknown> & { tasks: Record<string, unknown>[] })[];
  logs: number;
}

export interface Inspector {
  batches(): InspectBatch[];
  /** null when the batch does not exist */
  files(batchId: string): Promise<InspectFile[] | null>;
  uploads(): InspectUpload[];
  downloads(): InspectDownload[];
  jobs(): InspectJob[];
  requests(): Record<string, { attempts: number; faulted: number }>;
  faults(): FaultConfig;
  /** every webhook the emulator sent (or skipped: only loopback URLs are contacted) */
  webhooks(): WebhookDelivery[];
}

export interface Emulator {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
  setFaults(f: FaultConfig): void;
  inspect: Inspector;
}

type Obj = Record<string, unknown>;

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  route: RouteId;
  fault: FaultRule | null;
  base: string;
}

type Handler = (ctx: Ctx) => Promise<Obj | undefined> | Obj | undefined;

interface RouteDef {
  re: RegExp;
  methods: string[];
  route: RouteId;
  handler: Handler;
}

interface UploadGrant {
  token: string;
  kind: 'video' | 'tar-shard';
  batchId: string;
  fileName: string | null;
  maxBytes: number;
  headers: Record<string, string>;
  expires: number;
  used: boolean;
  inFlight: boolean;
}

/** The guide's suggested default (1.7); the maximum is the emulator's own choice. */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
const DEFAULT_UPLOAD_TTL_S = 3600;
const DEFAULT_DOWNLOAD_TTL_S = 86400;
const MAX_JSON_BYTES = 32 * 1024 * 1024;
const DS = '/data-staging/v1/external/([^/]+)/batches';
const BP = '/batch-processing/v1/external/([^/]+)/jobs';

const iso = (d: Date) => d.toISOString();

/** A whole response: status, headers and body (written here, or sent to the storage thread). */
type WholeResponse = [status: number, headers: Record<string, string>, body: Buffer];

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): WholeResponse {
  const buf = Buffer.from(JSON.stringify(body));
  return [status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(buf.length), ...headers }, buf];
}

/** Cloud storage's XML error. */
function storageErrorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): WholeResponse {
  const buf = Buffer.from(`<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
  return [status, { 'Content-Type': 'application/xml; charset=UTF-8', 'Content-Length': String(buf.length), ...headers }, buf];
}

function send(res: ServerResponse, [status, headers, body]: WholeResponse): void {
  res.writeHead(status, headers);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, jsonResponse(status, body, headers));
}

function storageError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  send(res, storageErrorResponse(status, code, message, headers));
}

/** What a storage PUT does with its connection (here, or on the storage thread: storage-worker.mjs). */
interface PutConnection {
  readonly headers: IncomingHttpHeaders;
  /** Reads and drops the body. */
  discard(): void;
  /**
   * Streams the body into a new file `tmp` (synchronous writes as chunks arrive), counting it in
   * `rec.bytesReceived`; destroys the connection once `resetAt` bytes arrived. Resolves with
   * whether the whole message arrived; rejects when the body or the file failed.
   */
  receive(tmp: string, rec: InspectUpload, resetAt: number | null): Promise<boolean>;
  /** Answers (`ifOpen`: only if nothing was answered yet and the connection is still there). */
  respond(status: number, headers: Record<string, string>, body?: Buffer, ifOpen?: boolean): void;
  destroy(): void;
}

function localPutConnection(req: IncomingMessage, res: ServerResponse): PutConnection {
  return {
    headers: req.headers,
    discard: () => req.resume(),
    receive: async (tmp, rec, resetAt) => {
      // counting via a 'data' listener (attached in the same tick as the pipe) is cheaper than a Transform
      req.on('data', (c: Buffer) => {
        rec.bytesReceived += c.length;
        if (resetAt !== null && rec.bytesReceived >= resetAt) req.socket.destroy();
      });
      await pipeline(req, new SyncFileSink(tmp));
      return req.complete;
    },
    respond: (status, headers, body, ifOpen) => {
      if (ifOpen && (res.headersSent || req.socket.destroyed)) return;
      res.writeHead(status, headers);
      res.end(body);
    },
    destroy: () => req.socket.destroy(),
  };
}

/** How a fault cuts a response short, if it does (a stall with no byte count stalls the request instead). */
function responseLimit(fault: FaultRule | null): { afterBytes: number; action: LimitAction; ms: number } | null {
  const afterBytes = fault?.afterBytes ?? 0;
  if (fault?.kind === 'reset-response') return { afterBytes, action: 'reset', ms: 0 };
  if (fault?.kind === 'truncate') return { afterBytes, action: 'end', ms: 0 };
  if (fault?.kind === 'stall') return { afterBytes, action: 'stall', ms: fault.ms ?? 0 };
  return null;
}

/** Passes `keep` bytes through, then zeros of the same length (the `corrupt` fault). */
function zerosAfter(keep: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const out = Buffer.from(chunk);
      if (seen + out.length > keep) out.fill(0, Math.max(0, keep - seen));
      seen += out.length;
      done(null, out);
    },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Reads a request body into memory with a cap (used for small JSON / single-image bodies only). */
async function readBody(req: IncomingMessage, cap: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > cap) {
    req.resume();
    throw new ApiError(413, `request body larger than ${cap} bytes`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    const b = c as Buffer;
    n += b.length;
    if (n > cap) {
      req.resume();
      throw new ApiError(413, `request body larger than ${cap} bytes`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage, opts: { optional?: boolean } = {}): Promise<unknown> {
  const body = await readBody(req, MAX_JSON_BYTES);
  if (body.length === 0) {
    if (opts.optional) return undefined;
    throw new ApiError(400, 'a JSON request body is required');
  }
  const ct = String(req.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(ct)) throw new ApiError(415, `Content-Type must be application/json (got "${ct}")`);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new ApiError(400, 'request body is not valid JSON');
  }
}

async function requireEmptyBody(req: IncomingMessage): Promise<void> {
  const body = await readBody(req, 1024 * 1024);
  if (body.length > 0) throw new ApiError(400, 'this endpoint takes no request body');
}

interface MultipartPart {
  name: string | null;
  filename: string | null;
  data: Buffer;
}

function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delim = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(delim);
  if (pos !== 0 && !(pos > 0 && body.subarray(0, pos).toString('latin1').trim() === '')) throw new ApiError(400, 'malformed multipart body');
  const parts: MultipartPart[] = [];
  for (;;) {
    pos += delim.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) throw new ApiError(400, 'malformed multipart body');
    pos += 2;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) throw new ApiError(400, 'malformed multipart body');
    const headers = body.subarray(pos, headEnd).toString('utf8').split('\r\n');
    const disp = headers.find((h) => /^content-disposition:/i.test(h)) ?? '';
    const name = /\bname="([^"]*)"/i.exec(disp)?.[1] ?? null;
    const filename = /\bfilename="([^"]*)"/i.exec(disp)?.[1] ?? null;
    const end = body.indexOf(next, headEnd + 4);
    if (end < 0) throw new ApiError(400, 'malformed multipart body (no closing boundary)');
    parts.push({ name, filename, data: body.subarray(headEnd + 4, end) });
    pos = end + 2;
  }
  return parts;
}

export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  if (!opts.apiKeys || opts.apiKeys.length === 0) throw new Error('startEmulator: at least one API key is required');
  const workspace = opts.workspace ?? 'sandbox';
  const ownsDataDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'rf-emulator-'));
  const store = new Store(dataDir);
  const signer = new Signer(randomBytes(32));
  const faults = new FaultEngine(opts.faults ?? {});
  const timeScale = opts.timeScale ?? 1;
  const maxTarBytes = opts.limits?.maxTarBytes ?? 10 * 1024 ** 3;
  const maxVideoBytes = opts.limits?.maxVideoBytes ?? 10 * 1024 ** 3;
  const apiKeys = new Set(opts.apiKeys);
  const webhooks = new Webhooks(workspace, () => timeScale);
  const jobs = new JobEngine({ store, workspace, faults, timeScale: () => timeScale, webhooks });
  const grants = new Map<string, UploadGrant>();
  const uploads: InspectUpload[] = [];
  const downloads = new Map<string, InspectDownload>();
  const stats = new Map<string, { attempts: number; faulted: number }>(ROUTE_IDS.map((r) => [r, { attempts: 0, faulted: 0 }]));
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  let selfHosts: string[] = [];

  const later = (ms: number, fn: () => Promise<void>) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) void fn().catch(() => undefined);
    }, ms * timeScale);
    timers.add(t);
  };

  const uploadTtl = () => faults.config.signedUrlTtlSeconds ?? DEFAULT_UPLOAD_TTL_S;
  const downloadTtl = () => faults.config.signedUrlTtlSeconds ?? DEFAULT_DOWNLOAD_TTL_S;

  // ------------------------------------------------------------ helpers

  function auth(ctx: Ctx, ws?: string): void {
    const key = ctx.url.searchParams.get('api_key');
    if (!key || !apiKeys.has(key)) throw new ApiError(401, 'Unauthorized: missing or invalid api_key', 'Unauthorized');
    if (ws !== undefined && ws !== workspace) throw new ApiError(404, `workspace "${ws}" not found for this API key`, 'NotFound');
  }

  function batchParam(ctx: Ctx): string {
    const id = ctx.params[1]!;
    checkId('batch', id);
    return id;
  }

  function mustBatch(id: string): Batch {
    const b = store.batches.get(id);
    if (!b) throw new ApiError(404, `batch ${id} not found`, 'NotFound');
    return b;
  }

  function pageOf<T>(ctx: Ctx, items: T[], scope: string): { page: T[]; next: string | null } {
    const ps = ctx.url.searchParams.get('pageSize');
    let size = DEFAULT_PAGE;
    if (ps !== null) {
      if (!/^\d+$/.test(ps) || Number(ps) < 1) throw new ApiError(400, '"pageSize" must be a positive integer');
      // Refused, not capped: the real maximum is unknown (1.7), so a client must not rely on one.
      if (Number(ps) > MAX_PAGE) throw new ApiError(400, `"pageSize" must be at most ${MAX_PAGE}`);
      size = Number(ps);
    }
    let offset = 0;
    const tok = ctx.url.searchParams.get('nextPageToken');
    if (tok !== null) {
      try {
        const t = JSON.parse(Buffer.from(tok, 'base64url').toString('utf8')) as { s?: unknown; o?: unknown };
        if (t.s !== scope || typeof t.o !== 'number' || !Number.isInteger(t.o) || t.o < 0) throw new Error('bad');
        offset = t.o;
      } catch {
        throw new ApiError(400, 'invalid nextPageToken');
      }
    }
    const page = items.slice(offset, offset + size);
    const end = offset + page.length;
    const next = end < items.length ? Buffer.from(JSON.stringify({ s: scope, o: end })).toString('base64url') : null;
    return { page, next };
  }

  function batchJson(b: Batch): Obj {
    return {
      displayName: b.displayName,
      batchId: b.batchId,
      batchType: b.batchType,
      batchContentType: b.batchContentType,
      createdDate: iso(b.createdDate),
      expiryDate: iso(b.expiryDate),
    };
  }

  function downloadUrl(base: string, f: FileEntry): string {
    const path = `/_storage/obj/${f.objectId}`;
    const expires = Date.now() + downloadTtl() * 1000;
    return `${base}${path}?${signer.query('GET', path, expires)}`;
  }

  function fileJson(base: string, f: FileEntry, multipart: boolean): Obj {
    return {
      downloadURL: downloadUrl(base, f),
      fileName: f.name,
      contentType: f.contentType,
      // optional in 3.5, and the CLI exports by the part it lists: sent only when asked for
      ...(multipart && f.partName && faults.listPartName ? { partName: f.partName } : {}),
      ...(f.shardId ? { shardId: f.shardId } : {}),
      ...(f.nestedContentType ? { nestedContentType: f.nestedContentType } : {}),
    };
  }

  function shardJson(s: Shard): Obj {
    return {
      shardId: s.shardId,
      statusName: s.statusName,
      statusType: s.statusType,
      eventTimestamp: iso(s.eventTimestamp),
      shardObjectsCount: s.shardObjectsCount,
      // not in 3.6 (older CLI versions expected it): sent only when asked for
      ...(faults.shardIsTerminal ? { isTerminal: s.statusType !== 'info' } : {}),
      ...(s.statusMetadata ? { statusMetadata: s.statusMetadata } : {}),
    };
  }

  function newShard(batch: Batch, source: Shard['source'], statusName: string): Shard {
    const now = new Date();
    const s: Shard = { shardId: randomUUID(), statusName, statusType: 'info', eventTimestamp: now, shardObjectsCount: 0, source, createdAt: now };
    batch.shards.push(s);
    return s;
  }

  /** Batch for an upload of `mode`/`content`, created if needed; 400 when it would mix upload kinds. */
  function batchForUpload(ctx: Ctx, id: string, mode: 'simple' | 'bulk', content: ContentType): Batch {
    const existing = store.batches.get(id);
    if (existing) {
      if (existing.mode === 'system') throw new ApiError(400, `batch ${id} is a system (job output) batch and cannot receive uploads`);
      if (existing.mode !== mode) {
        throw new ApiError(400, `batch ${id} was created with ${existing.mode} uploads; simple and bulk uploads cannot be mixed in one batch`, 'BatchTypeMismatch');
      }
      if (existing.batchContentType !== content) {
        throw new ApiError(400, `batch ${id} holds ${existing.batchContentType}; cannot add ${content}`, 'BatchContentTypeMismatch');
      }
      return existing;
    }
    const displayName = ctx.url.searchParams.get('displayName') || id;
    return store.createBatch(id, {
      displayName,
      batchType: mode === 'simple' ? 'simple-batch' : 'sharded-batch',
      batchContentType: content,
      mode,
    });
  }

  function grant(ctx: Ctx, kind: UploadGrant['kind'], batchId: string, fileName: string | null, maxBytes: number): Obj {
    const token = randomBytes(16).toString('hex');
    const path = `/_storage/up/${token}`;
    const headers = { 'x-goog-content-length-range': `0,${maxBytes}` };
    const expires = Date.now() + uploadTtl() * 1000;
    grants.set(token, { token, kind, batchId, fileName, maxBytes, headers, expires, used: false, inFlight: false });
    return {
      status: 'ok',
      signedURLDetails: {
        uploadURL: `${storageBase(ctx.base)}${path}?${signer.query('PUT', path, expires, headers)}`,
        extensionHeaders: headers,
        method: 'PUT',
        maxFileSizeBytes: maxBytes,
        ...(kind === 'tar-shard' ? { maxFilesPerArchive: MAX_FILES_PER_ARCHIVE } : {}),
      },
    };
  }

  /** Resolves a URL to a local object when it is one of our own valid signed download URLs. */
  function resolveOwnUrl(raw: string): FileEntry | null {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return null;
    }
    if (u.protocol !== 'http:' || !selfHosts.includes(u.host)) return null;
    const m = /^\/_storage\/obj\/([a-f0-9]+)$/.exec(u.pathname);
    if (!m) return null;
    const expires = Number(u.searchParams.get('expires'));
    const sig = u.searchParams.get('sig') ?? '';
    if (!Number.isFinite(expires) || Date.now() >= expires || !signer.verify('GET', u.pathname, expires, sig)) return null;
    return store.objects.get(m[1]!) ?? null;
  }

  /** Shard webhooks (§8.1 ingest-status, §8.2 files-status). */
  function notifyShard(batch: Batch, shard: Shard, files: { ingested: string[]; failed: FailedFile[] } | null): void {
    if (!shard.notificationsURL) return;
    const env = { type: 'roboflow-data-staging-notification-v1', ingest_id: shard.ingestId ?? null, batch_id: batch.batchId, shard_id: shard.shardId };
    const cats = shard.notificationCategories ?? ['ingest-status'];
    const success = shard.statusType === 'success';
    if (cats.includes('ingest-status')) {
      const md = shard.statusMetadata ?? {};
      const details = (md.errorDetails as { type: string; reason: string } | undefined) ??
        (success ? undefined : { type: 'shard-indexing-failed', reason: String(md.reason ?? shard.statusName) });
      webhooks.send(shard.notificationsURL, { ...env, notification: { type: 'ingest-status-notification-v1', success, ...(details ? { error_details: details } : {}) } });
    }
    if (cats.includes('files-status')) {
      webhooks.send(shard.notificationsURL, {
        ...env,
        notification: {
          type: 'ingest-files-status-notification-v1',
          success: success && (files?.failed.length ?? 0) === 0,
          ingested_files: files?.ingested ?? [],
          failed_files: (files?.failed ?? []).map((f) => ({ type: f.type, file_name: f.fileName, reason: f.reason })),
          content_truncated: false,
        },
      });
    }
  }

  function scheduleTarIndex(batch: Batch, shard: Shard, tarPath: string): void {
    later(TIMINGS.indexDelayMs, async () => {
      shard.statusName = 'indexing';
      shard.eventTimestamp = new Date();
      try {
        const outcome = await stageTar(store, tarPath, batch.batchContentType);
        if (stopped) return;
        notifyShard(batch, shard, commitShard(store, batch, shard, outcome, batch.batchContentType));
      } catch (e) {
        failShard(shard, e instanceof Error ? e.message : String(e));
        notifyShard(batch, shard, null);
      } finally {
        // members indexed in place keep the shard file until the last of them is dropped
        if (!store.holds(tarPath)) unlink(tarPath, () => undefined);
      }
    });
  }

  function scheduleRefIndex(batch: Batch, shard: Shard, refs: Reference[]): void {
    later(TIMINGS.indexDelayMs, async () => {
      shard.statusName = 'indexing';
      shard.eventTimestamp = new Date();
      try {
        const outcome = await stageReferences(store, refs, batch.batchContentType, resolveOwnUrl);
        if (stopped) return;
        notifyShard(batch, shard, commitShard(store, batch, shard, outcome, batch.batchContentType));
      } catch (e) {
        failShard(shard, e instanceof Error ? e.message : String(e));
        notifyShard(batch, shard, null);
      }
    });
  }

  // ------------------------------------------------------------ handlers

  const resolveWorkspace: Handler = async (ctx) => {
    auth(ctx);
    if (ctx.req.method === 'POST') await readBody(ctx.req, 1024 * 1024);
    return {
      welcome: 'Welcome to the Roboflow API emulator',
      instructions: 'You are successfully authenticated.',
      docs: 'https://docs.roboflow.com',
      workspace,
    };
  };

  const listBatches: Handler = (ctx) => {
    auth(ctx, ctx.params[0]);
    const all = [...store.batches.values()].sort((a, b) => b.createdDate.getTime() - a.createdDate.getTime() || a.batchId.localeCompare(b.batchId));
    const { page, next } = pageOf(ctx, all, 'batches');
    return { status: 'ok', batches: page.map(batchJson), nextPageToken: next };
  };

  const getBatch: Handler = (ctx) => {
    auth(ctx, ctx.params[0]);
    return { status: 'ok', batch: batchJson(mustBatch(batchParam(ctx))) };
  };

  function partParam(ctx: Ctx, b: Batch): string | undefined {
    const part = ctx.url.searchParams.get('partName');
    if (b.parts) {
      if (part === null || part === '') throw new ApiError(400, `batch ${b.batchId} is a multipart batch: "partName" is required`);
      if (!b.parts.has(part)) throw new ApiError(404, `batch ${b.batchId} has no part "${part}"`, 'NotFound');
      return part;
    }
    if (part !== null) throw new ApiError(400, `batch ${b.batchId} is not a multipart batch: "partName" is not allowed`);
    return undefined;
  }

  const count: Handler = (ctx) => {
    auth(ctx, ctx.params[0]);
    const b = mustBatch(batchParam(ctx));
    return { status: 'ok', count: store.count(b, partParam(ctx, b)) };
  };

  const parts: Handler = (ctx) => {
    auth(ctx, ctx.params[0]);
    const b = mustBatch(batchParam(ctx));
    if (!b.parts) throw new ApiError(400, `batch ${b.batchId} is not a multipart batch`);
    return {
      status: 'ok',
      batchParts: [...b.parts.values()].map((p) => ({
        partName: p.partName,
        partType: p.partType,
        contentType: p.contentType,
        ...(p.partDescription ? { partDescription: p.partDescription } : {}),
        ...(p.nestedContentType ? { nestedContentType: p.nestedContentType } : {}),
      })),
    };
  };

  const listContent: Handler = (ctx) => {
    auth(ctx, ctx.params[0]);
    const b = mustBatch(batchParam(ctx));
    const part = partParam(ctx, b);
    const items = part ? b.parts!.get(part)!.files.items : b.files.items;
    const { page, next } = pageOf(ctx, items, `list:${b.batchId}:${part ?? ''}`);
    return { status: 'ok', filesMetadata: page.map((f) => fileJson(ctx.base, f, !!b.parts)), nextPageToken: next };
  };

  const shards: Handler = (ctx) => {
    auth(ctx, ctx.params[0]);
    const b = mustBatch(batchParam(ctx));
    const { page, next } = pageOf(ctx, b.shards, `shards:${b.batchId}`);
    return { status: 'ok', shards: page.map(shardJson), nextPageToken: next };
  };

  const uploadImage: Handler = async (ctx) => {
    auth(ctx, ctx.params[0]);
    const id = batchParam(ctx);
    const fileName = ctx.url.searchParams.get('fileName');
    if (fileName === null) throw new ApiError(400, '"fileName" query parameter is required');
    const problem = fileNameProblem(fileName);
    if (problem) throw new ApiError(400, `invalid fileName: ${problem}`);
    if (!IMAGE_EXTENSIONS.includes(extensionOf(fileName))) {
      throw new ApiError(400, `unsupported image extension for "${fileName}" (${IMAGE_EXTENSIONS.join(', ')})`, 'unsupported-file-type');
    }
    const ct = String(ctx.req.headers['content-type'] ?? '');
    const boundary = /^multipart\/form-data\s*;.*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
    if (!boundary) throw new ApiError(400, 'Content-Type must be multipart/form-data with a boundary');
    const body = await readBody(ctx.req, MAX_IMAGE_BYTES + 1024 * 1024);
    const partsIn = parseMultipart(body, boundary[1] ?? boundary[2]!);
    if (partsIn.length !== 1 || partsIn[0]!.filename === null) {
      throw new ApiError(400, `expected exactly one file part, got ${partsIn.length} part(s)`);
    }
    const data = partsIn[0]!.data;
    if (data.length > MAX_IMAGE_BYTES) {
      throw new ApiError(413, `file size ${data.length} B exceeds the limit of ${MAX_IMAGE_BYTES} B`, 'file-size-limit-exceeded');
    }
    if (!imageKindByMagic(data)) throw new ApiError(400, 'content is not a PNG, JPEG, WEBP, BMP or JPEG 2000 image', 'unsupported-file-type');
    const batch = batchForUpload(ctx, id, 'simple', 'images');
    const { objectId, path } = store.newObject();
    await writeFile(path, data);
    store.noteReceived(batch, fileName);
    store.addFile(batch, {
      objectId,
      name: fileName,
      size: data.length,
      path,
      sha256: createHash('sha256').update(data).digest('hex'),
      contentType: 'images',
      batchId: id,
      createdAt: new Date(),
    });
    return { status: 'ok' };
  };

  const uploadVideoUrl: Handler = async (ctx) => {
    auth(ctx, ctx.params[0]);
    const id = batchParam(ctx);
    await requireEmptyBody(ctx.req);
    const fileName = ctx.url.searchParams.get('fileName');
    if (fileName === null) throw new ApiError(400, '"fileName" query parameter is required');
    const problem = fileNameProblem(fileName);
    if (problem) throw new ApiError(400, `invalid fileName: ${problem}`);
    if (!VIDEO_EXTENSIONS.includes(extensionOf(fileName))) {
      throw new ApiError(400, `unsupported video extension for "${fileName}" (${VIDEO_EXTENSIONS.join(', ')})`, 'unsupported-file-type');
    }
    batchForUpload(ctx, id, 'simple', 'videos');
    return grant(ctx, 'video', id, fileName, maxVideoBytes);
  };

  const bulkUploadUrl: Handler = async (ctx) => {
    auth(ctx, ctx.params[0]);
    const id = batchParam(ctx);
    await requireEmptyBody(ctx.req);
    batchForUpload(ctx, id, 'bulk', 'images');
    return grant(ctx, 'tar-shard', id, null, maxTarBytes);
  };

  async function referencesIngest(ctx: Ctx, kind: 'images' | 'videos'): Promise<Obj> {
    auth(ctx, ctx.params[0]);
    const id = batchParam(ctx);
    const body = await readJson(ctx.req);
    const listKey = kind === 'images' ? 'imageReferences' : 'videoReferences';
    const urlKey = kind === 'images' ? 'imageReferencesURL' : 'videoReferencesURL';
    const cap = kind === 'images' ? 20000 : 5000;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'request body must be a JSON object');
    const o = body as Obj;
    for (const k of Object.keys(o)) {
      if (![listKey, urlKey, 'ingestId', 'notificationsURL', 'notificationCategories'].includes(k)) throw new ApiError(400, `"${k}" is not allowed`);
      if (o[k] === null) throw new ApiError(400, `"${k}" must not be null`);
    }
    if ((listKey in o) === (urlKey in o)) throw new ApiError(400, `exactly one of "${listKey}" and "${urlKey}" is required`);
    if ('ingestId' in o && (typeof o.ingestId !== 'string' || o.ingestId === '')) throw new ApiError(400, '"ingestId" must be a non-empty string');
    if ('notificationsURL' in o && (typeof o.notificationsURL !== 'string' || !/^https?:\/\/\S+$/.test(o.notificationsURL))) {
      throw new ApiError(400, '"notificationsURL" must be an http(s) URL');
    }
    if ('notificationCategories' in o) {
      const c = o.notificationCategories;
      if (!Array.isArray(c) || !c.every((x) => x === 'ingest-status' || x === 'files-status')) {
        throw new ApiError(400, '"notificationCategories" must be an array of "ingest-status" / "files-status"');
      }
    }
    let refs: Reference[] | null = null;
    let unsafeListUrl = false;
    const checkRefs = (v: unknown): Reference[] => {
      if (!Array.isArray(v) || v.length === 0) throw new ApiError(400, `"${listKey}" must be a non-empty array`);
      if (v.length > cap) throw new ApiError(400, `at most ${cap} references per request`);
      return v.map((r: unknown, i) => {
        if (typeof r !== 'object' || r === null) throw new ApiError(400, `${listKey}[${i}] must be an object`);
        const rr = r as Obj;
        for (const k of Object.keys(rr)) if (k !== 'name' && k !== 'url') throw new ApiError(400, `${listKey}[${i}]: "${k}" is not allowed`);
        if (typeof rr.name !== 'string' || rr.name === '' || typeof rr.url !== 'string' || rr.url === '') {
          throw new ApiError(400, `${listKey}[${i}] needs non-empty string "name" and "url"`);
        }
        return { name: rr.name, url: rr.url };
      });
    };
    if (listKey in o) {
      refs = checkRefs(o[listKey]);
    } else {
      if (typeof o[urlKey] !== 'string' || !/^https?:\/\//.test(o[urlKey])) throw new ApiError(400, `"${urlKey}" must be a URL`);
      const src = resolveOwnUrl(o[urlKey]);
      if (!src) unsafeListUrl = true;
      else {
        const lines = (await readObject(src)).toString('utf8').split('\n').filter((l) => l.trim() !== '');
        try {
          refs = checkRefs(lines.map((l) => JSON.parse(l) as unknown));
        } catch (e) {
          if (e instanceof ApiError) throw e;
          throw new ApiError(400, `"${urlKey}" does not point at a JSONL file of {"name","url"} objects`);
        }
      }
    }
    const fingerprint = createHash('sha256').update(JSON.stringify([refs, o[urlKey] ?? null])).digest('hex');
    const existing = store.batches.get(id);
    const ingestId = typeof o.ingestId === 'string' ? o.ingestId : randomUUID();
    if (existing && typeof o.ingestId === 'string') {
      const prev = existing.ingests.get(o.ingestId);
      if (prev) {
        if (prev.fingerprint !== fingerprint) throw new ApiError(409, `ingest ${o.ingestId} already exists with different references`, 'Conflict');
        return { status: 'ok', ingestId, ...(kind === 'images' ? { shardIds: prev.shardIds } : {}), duplicated: true };
      }
    }
    const batch = batchForUpload(ctx, id, 'bulk', kind);
    const shardIds: string[] = [];
    const setNotify = (s: Shard) => {
      if (typeof o.notificationsURL !== 'string') return;
      s.notificationsURL = o.notificationsURL;
      s.notificationCategories = Array.isArray(o.notificationCategories) && o.notificationCategories.length > 0 ? (o.notificationCategories as string[]) : ['ingest-status'];
    };
    if (unsafeListUrl || !refs) {
      const s = newShard(batch, 'references', 'references-accepted');
      s.ingestId = ingestId;
      setNotify(s);
      shardIds.push(s.shardId);
      later(TIMINGS.indexDelayMs, async () => {
        s.statusType = 'error';
        s.statusName = 'ingest-failed';
        s.eventTimestamp = new Date();
        s.statusMetadata = {
          ingestedFiles: 0,
          failedFiles: [],
          errorDetails: { type: 'unsafe-url-detected', reason: `${urlKey} does not point at the emulator's own storage` },
        };
        notifyShard(batch, s, null);
      });
    } else {
      for (let i = 0; i < refs.length; i += MAX_FILES_PER_ARCHIVE) {
        const s = newShard(batch, 'references', 'references-accepted');
        s.ingestId = ingestId;
        setNotify(s);
        shardIds.push(s.shardId);
        scheduleRefIndex(batch, s, refs.slice(i, i + MAX_FILES_PER_ARCHIVE));
      }
    }
    batch.ingests.set(ingestId, { fingerprint, shardIds });
    return { status: 'ok', ingestId, ...(kind === 'images' ? { shardIds } : {}), duplicated: false };
  }

  const roboql: Handler = (ctx) => {
    auth(ctx, ctx.params[0]);
    batchParam(ctx);
    throw new ApiError(501, 'RoboQL ingest is not implemented by the emulator', 'NotImplemented');
  };

  // jobs

  function jobParam(ctx: Ctx): string {
    const id = ctx.params[1]!;
    checkId('job', id);
    return id;
  }

  const createJob: Handler = async (ctx) => {
    auth(ctx, ctx.params[0]);
    const id = jobParam(ctx);
    const body = await readJson(ctx.req);
    validateJobBody(body, workspace);
    const name = ctx.url.searchParams.get('name');
    jobs.create(id, body as Obj, name === null || name === '' ? null : name);
    return { status: 'ok' };
  };

  const listJobs: Handler = (ctx) => {
    auth(ctx, ctx.params[0]);
    const all = [...jobs.jobs.values()].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.jobId.localeCompare(b.jobId));
    const { page, next } = pageOf(ctx, all, 'jobs');
    return { status: 'ok', jobs: page.map((j) => jobs.view(j).job), nextPageToken: next };
  };

  const getJob: Handler = (ctx) => {
    auth(ctx, ctx.params[0]);
    return { status: 'ok', job: jobs.view(jobs.mustGet(jobParam(ctx))).job };
  };

  const stages: Handler = (ctx) => {
    auth(ctx, ctx.params[0]);
    const job = jobs.mustGet(jobParam(ctx));
    return { status: 'ok', stages: jobs.view(job).stages.map((s) => jobs.stageJson(s)) };
  };

  const tasks: Handler = (ctx) => {
    auth(ctx, ctx.params[0]);
    const job = jobs.mustGet(jobParam(ctx));
    const stage = jobs.view(job).stages.find((s) => s.processingStageId === ctx.params[2]);
    if (!stage) throw new ApiError(404, `stage ${ctx.params[2] ?? ''} not found in job ${job.jobId}`, 'NotFound');
    const { page, next } = pageOf(ctx, stage.tasks, `tasks:${job.jobId}:${stage.processingStageId}`);
    return { status: 'ok', tasks: page.map((t) => jobs.taskJson(t)), nextPageToken: next };
  };

  const abort: Handler = async (ctx) => {
    auth(ctx, ctx.params[0]);
    const id = jobParam(ctx);
    await requireEmptyBody(ctx.req);
    return jobs.abort(id);
  };

  const restart: Handler = async (ctx) => {
    auth(ctx, ctx.params[0]);
    const id = jobParam(ctx);
    const body = await readJson(ctx.req, { optional: true });
    if (body !== undefined) validateRestartBody(body, jobs.kindOf(jobs.mustGet(id)));
    return jobs.restart(id, (body as Obj | undefined) ?? null);
  };

  const logs: Handler = (ctx) => {
    auth(ctx, ctx.params[0]);
    const job = jobs.mustGet(jobParam(ctx));
    const sev = ctx.url.searchParams.get('severity');
    if (sev !== null && !['info', 'warning', 'error'].includes(sev)) throw new ApiError(400, '"severity" must be one of info, warning, error');
    const all = sev === null ? job.logs : job.logs.filter((l) => l.severity === sev);
    const { page, next } = pageOf(ctx, all, `logs:${job.jobId}:${sev ?? ''}`);
    return { status: 'ok', logs: page.map((l) => jobs.logJson(l)), nextPageToken: next };
  };

  // storage

  /**
   * A storage PUT, whichever server it arrived on: the storage thread's (storage-worker.mjs, where
   * the signed upload URLs point) or this thread's (the route is served here too). Every decision
   * is taken here; the connection only does the I/O.
   */
  const storagePut = async (conn: PutConnection, token: string, url: URL, fault: FaultRule | null): Promise<undefined> => {
    const g = grants.get(token);
    const rec: InspectUpload = {
      token,
      kind: g?.kind ?? 'unknown',
      batchId: g?.batchId ?? null,
      fileName: g?.fileName ?? null,
      contentLength: conn.headers['content-length'] !== undefined ? Number(conn.headers['content-length']) : null,
      bytesReceived: 0,
      completed: false,
      status: null,
      faulted: fault?.kind ?? null,
      startedAt: iso(new Date()),
      finishedAt: null,
    };
    uploads.push(rec);
    const reject = (status: number, code: string, msg: string, headers: Record<string, string> = {}) => {
      rec.status = status;
      rec.finishedAt = iso(new Date());
      conn.discard();
      conn.respond(...storageErrorResponse(status, code, msg, headers));
      return undefined;
    };
    if (fault?.kind === 'status') {
      const h: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
      return reject(fault.status ?? 503, 'InjectedFault', 'injected fault', h);
    }
    const expires = Number(url.searchParams.get('expires'));
    const sig = url.searchParams.get('sig') ?? '';
    if (!g || !Number.isFinite(expires) || !signer.verify('PUT', url.pathname, expires, sig, g.headers)) {
      return reject(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    }
    if (Date.now() >= expires || Date.now() >= g.expires) return reject(403, 'ExpiredToken', 'The provided token has expired.');
    for (const [k, v] of Object.entries(g.headers)) {
      const got = conn.headers[k.toLowerCase()];
      if (got === undefined) return reject(403, 'MissingSecurityHeader', `Your request was missing a required header: ${k}.`);
      if (String(got).trim() !== v) return reject(403, 'SignatureDoesNotMatch', `Header ${k} does not match the signed value.`);
    }
    if (conn.headers['transfer-encoding'] !== undefined) return reject(411, 'MissingContentLength', 'Chunked transfer encoding is not supported; send Content-Length.');
    if (rec.contentLength === null || !Number.isFinite(rec.contentLength)) return reject(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
    if (rec.contentLength > g.maxBytes) {
      return reject(400, 'EntityTooLarge', `Your proposed upload is larger than the maximum object size specified in your Policy (${g.maxBytes}).`);
    }
    if (g.used || g.inFlight) return reject(409, 'AlreadyUsed', 'This signed URL has already been used.');
    g.inFlight = true;
    const tmp = join(store.uploadsDir, `${token}-${randomBytes(4).toString('hex')}`);
    const resetAt = fault?.kind === 'reset-request' ? (fault.afterBytes ?? 0) : null;
    try {
      const complete = await conn.receive(tmp, rec, resetAt);
      if (!complete || rec.bytesReceived !== rec.contentLength) throw new Error('short body');
    } catch {
      g.inFlight = false;
      rec.finishedAt = iso(new Date());
      unlink(tmp, () => undefined);
      // unless the connection is gone (or answered)
      conn.respond(...storageErrorResponse(400, 'IncompleteBody', 'The request body ended before Content-Length bytes.'), true);
      return undefined;
    }
    g.inFlight = false;
    rec.finishedAt = iso(new Date());
    if (fault && fault.kind !== 'reset-after-commit') {
      // a faulted PUT never stores the object (`drop` answers 200 all the same)
      unlink(tmp, () => undefined);
      if (resetAt !== null) {
        conn.destroy();
        return undefined;
      }
      rec.status = 200;
      conn.respond(200, { 'Content-Length': '0' });
      return undefined;
    }
    const batch = store.batches.get(g.batchId);
    if (!batch) {
      unlink(tmp, () => undefined);
      return reject(404, 'NoSuchBucket', 'The target batch no longer exists.');
    }
    g.used = true;
    const { objectId, path } = store.newObject();
    await new Promise<void>((resolve, rej) => rename(tmp, path, (e) => (e ? rej(e) : resolve())));
    const size = rec.bytesReceived;
    afterListingLag(() => {
      if (g.kind === 'video') {
        store.noteReceived(batch, g.fileName!);
        store.addFile(batch, { objectId, name: g.fileName!, size, path, sha256: null, contentType: 'videos', batchId: batch.batchId, createdAt: new Date() });
      } else {
        const shard = newShard(batch, 'tar', 'upload-completed');
        scheduleTarIndex(batch, shard, path);
      }
    });
    rec.completed = true;
    if (fault) {
      // stored, but the answer is lost: the client cannot tell whether its PUT landed
      conn.destroy();
      return undefined;
    }
    rec.status = 200;
    conn.respond(200, { 'Content-Length': '0', ETag: `"${objectId}"` });
    return undefined;
  };

  /** Lists what a PUT stored after the fault config's listing lag (at once without one), as a lagging real service does. */
  function afterListingLag(list: () => void): void {
    const lag = faults.listingLagMs;
    if (lag <= 0) return list();
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) list();
    }, lag);
    timers.add(t);
  }

  const storagePutHere: Handler = (ctx) => storagePut(localPutConnection(ctx.req, ctx.res), ctx.params[0]!, ctx.url, ctx.fault);

  const storageGet: Handler = async (ctx) => {
    const { req, res } = ctx;
    const objectId = ctx.params[0]!;
    const f = store.objects.get(objectId);
    let d: InspectDownload | undefined;
    if (f) {
      const key = `${f.batchId}\n${f.partName ?? ''}\n${f.name}`;
      d = downloads.get(key);
      if (!d) {
        d = { batchId: f.batchId, partName: f.partName ?? null, fileName: f.name, requests: 0, bytesServed: 0, ranges: [] };
        downloads.set(key, d);
      }
      // every attempt counts, faulted or rejected ones included
      d.requests++;
      if (req.headers.range !== undefined) d.ranges.push(req.headers.range);
    }
    if (ctx.fault?.kind === 'status') {
      const h: Record<string, string> = ctx.fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(ctx.fault.retryAfterSeconds) } : {};
      storageError(res, ctx.fault.status ?? 503, 'InjectedFault', 'injected fault', h);
      return undefined;
    }
    if (ctx.fault?.kind === 'reset-request') {
      req.socket.destroy();
      return undefined;
    }
    const expires = Number(ctx.url.searchParams.get('expires'));
    const sig = ctx.url.searchParams.get('sig') ?? '';
    if (!Number.isFinite(expires) || !signer.verify('GET', ctx.url.pathname, expires, sig)) {
      storageError(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
      return undefined;
    }
    if (Date.now() >= expires) {
      storageError(res, 403, 'ExpiredToken', 'The provided token has expired.');
      return undefined;
    }
    if (!f || !d) {
      storageError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      return undefined;
    }
    const range = req.headers.range;
    let start = 0;
    let end = f.size - 1;
    let status = 200;
    if (range !== undefined) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      if (m && (m[1] !== '' || m[2] !== '')) {
        if (m[1] === '') {
          const n = Number(m[2]);
          start = Math.max(0, f.size - n);
          if (n === 0) start = f.size;
        } else {
          start = Number(m[1]);
          if (m[2] !== '') end = Math.min(Number(m[2]), f.size - 1);
        }
        if (start >= f.size || (m[1] !== '' && m[2] !== '' && Number(m[2]) < start)) {
          storageError(res, 416, 'InvalidRange', 'The requested range cannot be satisfied.', { 'Content-Range': `bytes */${f.size}` });
          return undefined;
        }
        status = 206;
      }
    }
    const len = f.size === 0 ? 0 : end - start + 1;
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(len),
      'Accept-Ranges': 'bytes',
      ETag: `"${f.objectId}"`,
      'Last-Modified': f.createdAt.toUTCString(),
    };
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${f.size}`;
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || len === 0) {
      res.end();
      return undefined;
    }
    const rs = objectStream(f, start, end);
    const dd = d;
    rs.on('data', (c) => (dd.bytesServed += (c as Buffer).length));
    try {
      if (ctx.fault?.kind === 'corrupt') await pipeline(rs, zerosAfter(ctx.fault.afterBytes ?? 0), res);
      else await pipeline(rs, res);
    } catch {
      /* client went away or fault */
    }
    return undefined;
  };

  // ------------------------------------------------------------ routing

  const routes: RouteDef[] = [
    { re: /^\/?$/, methods: ['GET', 'POST'], route: 'resolve-workspace', handler: resolveWorkspace },
    { re: new RegExp(`^${DS}$`), methods: ['GET'], route: 'list-batches', handler: listBatches },
    { re: new RegExp(`^${DS}/([^/]+)$`), methods: ['GET'], route: 'get-batch', handler: getBatch },
    { re: new RegExp(`^${DS}/([^/]+)/count$`), methods: ['GET'], route: 'count', handler: count },
    { re: new RegExp(`^${DS}/([^/]+)/parts$`), methods: ['GET'], route: 'parts', handler: parts },
    { re: new RegExp(`^${DS}/([^/]+)/list$`), methods: ['GET'], route: 'list-content', handler: listContent },
    { re: new RegExp(`^${DS}/([^/]+)/shards$`), methods: ['GET'], route: 'shards', handler: shards },
    { re: new RegExp(`^${DS}/([^/]+)/upload/image$`), methods: ['POST'], route: 'upload-image', handler: uploadImage },
    { re: new RegExp(`^${DS}/([^/]+)/upload/video$`), methods: ['POST'], route: 'upload-video-url', handler: uploadVideoUrl },
    { re: new RegExp(`^${DS}/([^/]+)/bulk-upload/image-files$`), methods: ['POST'], route: 'bulk-upload-url', handler: bulkUploadUrl },
    { re: new RegExp(`^${DS}/([^/]+)/bulk-upload/image-references$`), methods: ['POST'], route: 'image-references', handler: (c) => referencesIngest(c, 'images') },
    { re: new RegExp(`^${DS}/([^/]+)/bulk-upload/video-references$`), methods: ['POST'], route: 'video-references', handler: (c) => referencesIngest(c, 'videos') },
    { re: new RegExp(`^${DS}/([^/]+)/roboql-ingest$`), methods: ['POST'], route: 'roboql-ingest', handler: roboql },
    { re: new RegExp(`^${BP}$`), methods: ['GET'], route: 'list-jobs', handler: listJobs },
    { re: new RegExp(`^${BP}/([^/]+)$`), methods: ['GET'], route: 'get-job', handler: getJob },
    { re: new RegExp(`^${BP}/([^/]+)$`), methods: ['POST'], route: 'create-job', handler: createJob },
    { re: new RegExp(`^${BP}/([^/]+)/stages$`), methods: ['GET'], route: 'stages', handler: stages },
    { re: new RegExp(`^${BP}/([^/]+)/stages/([^/]+)/tasks$`), methods: ['GET'], route: 'tasks', handler: tasks },
    { re: new RegExp(`^${BP}/([^/]+)/abort$`), methods: ['POST'], route: 'abort', handler: abort },
    { re: new RegExp(`^${BP}/([^/]+)/restart$`), methods: ['POST'], route: 'restart', handler: restart },
    { re: new RegExp(`^${BP}/([^/]+)/logs$`), methods: ['GET'], route: 'logs', handler: logs },
    { re: /^\/_storage\/up\/([a-f0-9]+)$/, methods: ['PUT'], route: 'storage-put', handler: storagePutHere },
    { re: /^\/_storage\/obj\/([a-f0-9]+)$/, methods: ['GET', 'HEAD'], route: 'storage-get', handler: storageGet },
  ];

  function match(method: string, pathname: string): { def: RouteDef; params: string[] } | 'method' | null {
    let pathMatched = false;
    for (const def of routes) {
      const m = def.re.exec(pathname);
      if (!m) continue;
      pathMatched = true;
      if (!def.methods.includes(method)) continue;
      let params: string[];
      try {
        params = m.slice(1).map((p) => decodeURIComponent(p));
      } catch {
        params = m.slice(1);
      }
      return { def, params };
    }
    return pathMatched ? 'method' : null;
  }

  function applyStall(req: IncomingMessage, ms: number): void {
    req.pause();
    const t = setTimeout(() => req.socket.destroy(), ms);
    req.socket.once('close', () => clearTimeout(t));
  }

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    if (url.pathname === '/__emulator' || url.pathname.startsWith('/__emulator/')) return inspectRoute(req, res, url);
    const method = req.method ?? 'GET';
    const m = match(method, url.pathname);
    if (m === null) {
      req.resume();
      return sendJson(res, 404, { message: `no route for ${method} ${url.pathname}`, error: 'Not Found' });
    }
    if (m === 'method') {
      req.resume();
      return sendJson(res, 405, { message: `method ${method} not allowed on ${url.pathname}`, error: 'Method Not Allowed' });
    }
    const route = m.def.route;
    const st = stats.get(route)!;
    st.attempts++;
    const decision = faults.decide(route);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    const fault = decision.fault;
    if (fault) st.faulted++;
    const ctx: Ctx = { req, res, url, params: m.params, route, fault, base: `http://${req.headers.host ?? selfHosts[0]}` };
    if (fault && route !== 'storage-put' && route !== 'storage-get') {
      switch (fault.kind) {
        case 'status': {
          req.resume();
          const h: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
          return sendJson(res, fault.status ?? 503, { message: 'injected fault', error: 'InjectedFault' }, h);
        }
        case 'reset-request': {
          let n = 0;
          const limit = fault.afterBytes ?? 0;
          req.on('data', (c: Buffer) => {
            n += c.length;
            if (n >= limit) req.socket.destroy();
          });
          req.on('end', () => req.socket.destroy());
          return;
        }
        default:
          break;
      }
    }
    if (fault?.kind === 'stall' && fault.afterBytes === undefined) return applyStall(req, fault.ms ?? 0);
    const limit = responseLimit(fault);
    if (limit) limitResponseAs(res, limit.afterBytes, limit.action, limit.ms);
    try {
      const out = await m.def.handler(ctx);
      if (out !== undefined && !res.headersSent) sendJson(res, 200, out);
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof ApiError) {
        if (!req.complete) req.resume();
        return sendJson(res, e.status, { message: e.message, error: e.code }, e.headers);
      }
      req.resume();
      return sendJson(res, 500, { message: e instanceof Error ? e.message : String(e), error: 'Internal Server Error' });
    }
  }

  // ------------------------------------------------------------ inspection

  const inspect: Inspector = {
    batches: () =>
      [...store.batches.values()].map((b) => ({
        batchId: b.batchId,
        displayName: b.displayName,
        batchType: b.batchType,
        batchContentType: b.batchContentType,
        mode: b.mode,
        count: store.count(b),
        parts: b.parts ? Object.fromEntries([...b.parts.values()].map((p) => [p.partName, p.files.size])) : null,
        shards: {
          total: b.shards.length,
          pending: b.shards.filter((s) => s.statusType === 'info').length,
          success: b.shards.filter((s) => s.statusType === 'success').length,
          error: b.shards.filter((s) => s.statusType === 'error').length,
        },
      })),
    files: async (batchId) => {
      const b = store.batches.get(batchId);
      if (!b) return null;
      const all: FileEntry[] = b.parts ? [...b.parts.values()].flatMap((p) => p.files.items) : [...b.files.items];
      const out: InspectFile[] = [];
      for (const f of all) {
        if (f.sha256 === null) {
          const h = createHash('sha256');
          for await (const c of objectStream(f)) h.update(c as Buffer);
          f.sha256 = h.digest('hex');
        }
        out.push({
          name: f.name,
          size: f.size,
          sha256: f.sha256,
          receivedCount: b.received.get(f.partName ? `${f.partName}/${f.name}` : f.name) ?? 0,
          shardId: f.shardId ?? null,
          partName: f.partName ?? null,
        });
      }
      return out;
    },
    uploads: () => uploads.map((u) => ({ ...u })),
    downloads: () => [...downloads.values()].map((d) => ({ ...d, ranges: [...d.ranges] })),
    jobs: () =>
      [...jobs.jobs.values()].map((j: Job) => ({
        jobId: j.jobId,
        createCalls: j.createCalls,
        conflicts: j.conflicts,
        restarts: j.restarts,
        aborts: j.aborts,
        job: jobs.jobJson(j),
        stages: j.stages.map((s) => ({ ...jobs.stageJson(s), tasks: s.tasks.map((t) => jobs.taskJson(t)) })),
        logs: j.logs.length,
      })),
    requests: () => Object.fromEntries([...stats.entries()].map(([k, v]) => [k, { ...v }])),
    faults: () => faults.config,
    webhooks: () => webhooks.deliveries.map((d) => structuredClone(d)),
  };

  async function inspectRoute(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const p = url.pathname.replace(/\/+$/, '');
    try {
      if (req.method === 'POST' && p === '/__emulator/faults') {
        // any Content-Type (so `curl -d @faults.json` works); the body must be JSON
        const raw = await readBody(req, MAX_JSON_BYTES);
        let body: unknown;
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new ApiError(400, 'fault config is not valid JSON');
        }
        faults.set(validateFaultConfig(body));
        return sendJson(res, 200, faults.config);
      }
      if (req.method !== 'GET') {
        req.resume();
        return sendJson(res, 405, { message: 'method not allowed', error: 'Method Not Allowed' });
      }
      if (p === '/__emulator/batches') return sendJson(res, 200, inspect.batches());
      const fm = /^\/__emulator\/batches\/([^/]+)\/files$/.exec(p);
      if (fm) {
        const files = await inspect.files(decodeURIComponent(fm[1]!));
        if (!files) return sendJson(res, 404, { message: 'no such batch', error: 'Not Found' });
        return sendJson(res, 200, files);
      }
      if (p === '/__emulator/uploads') return sendJson(res, 200, inspect.uploads());
      if (p === '/__emulator/downloads') return sendJson(res, 200, inspect.downloads());
      if (p === '/__emulator/jobs') return sendJson(res, 200, inspect.jobs());
      if (p === '/__emulator/requests') return sendJson(res, 200, inspect.requests());
      if (p === '/__emulator/faults') return sendJson(res, 200, inspect.faults());
      if (p === '/__emulator/webhooks') return sendJson(res, 200, inspect.webhooks());
      return sendJson(res, 404, { message: 'unknown inspection path', error: 'Not Found' });
    } catch (e) {
      const status = e instanceof ApiError ? e.status : 400;
      return sendJson(res, status, { message: e instanceof Error ? e.message : String(e), error: 'Bad Request' });
    }
  }

  // ------------------------------------------------------------ storage thread

  // Signed upload URLs point at the storage thread's port (storage-worker.mjs: why it has a thread).
  const storageThread = new Worker(new URL('./storage-worker.mjs', import.meta.url), { workerData: { host: opts.host ?? '127.0.0.1' }, execArgv: [], stdout: false });
  /** storage-thread request id → what to do with its `received` report */
  const receiving = new Map<number, (m: { ok: boolean; complete: boolean; bytes: number; error?: string }) => void>();
  let storagePort = 0;
  let onStorageStopped: (() => void) | null = null;

  function storageConnection(id: number, headers: IncomingHttpHeaders): PutConnection {
    const post = (m: Record<string, unknown>) => storageThread.postMessage({ ...m, id });
    return {
      headers,
      discard: () => post({ t: 'discard' }),
      receive: (tmp, rec, resetAt) =>
        new Promise<boolean>((resolve, reject) => {
          receiving.set(id, (m) => {
            rec.bytesReceived = m.bytes;
            if (m.ok) resolve(m.complete);
            else reject(new Error(m.error ?? 'body failed'));
          });
          post({ t: 'receive', tmp, resetAt });
        }),
      respond: (status, headers, body, ifOpen) => post({ t: 'respond', status, headers, body, ifOpen: !!ifOpen }),
      destroy: () => post({ t: 'destroy' }),
    };
  }

  /** A request on the storage port: routed, counted and faulted as dispatch() does; only uploads are served there. */
  async function dispatchStorage(m: { id: number; method: string; url: string; headers: IncomingHttpHeaders }): Promise<void> {
    const conn = storageConnection(m.id, m.headers);
    const url = new URL(m.url, 'http://emulator.invalid');
    const found = match(m.method, url.pathname);
    if (found === null || found === 'method' || found.def.route !== 'storage-put') {
      conn.discard();
      const [status, error, message] =
        found === 'method' ? [405, 'Method Not Allowed', `method ${m.method} not allowed on ${url.pathname}`] : [404, 'Not Found', `no route for ${m.method} ${url.pathname}`];
      conn.respond(...jsonResponse(status, { message, error }));
      return;
    }
    const st = stats.get('storage-put')!;
    st.attempts++;
    const decision = faults.decide('storage-put');
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    const fault = decision.fault;
    if (fault) st.faulted++;
    if (fault?.kind === 'stall' && fault.afterBytes === undefined) return storageThread.postMessage({ t: 'stall', id: m.id, ms: fault.ms ?? 0 });
    const limit = responseLimit(fault);
    if (limit) storageThread.postMessage({ t: 'limit', id: m.id, ...limit });
    try {
      await storagePut(conn, found.params[0]!, url, fault);
    } catch (e) {
      conn.discard();
      conn.respond(...jsonResponse(500, { message: e instanceof Error ? e.message : String(e), error: 'Internal Server Error' }), true);
    }
  }

  storageThread.on('message', (m: { t: string; id: number } & Record<string, unknown>) => {
    if (m.t === 'head') void dispatchStorage(m as unknown as Parameters<typeof dispatchStorage>[0]).catch(() => undefined);
    else if (m.t === 'received') {
      const done = receiving.get(m.id);
      receiving.delete(m.id);
      done?.(m as unknown as { ok: boolean; complete: boolean; bytes: number; error?: string });
    } else if (m.t === 'stopped') onStorageStopped?.();
  });
  storageThread.on('exit', () => {
    for (const done of receiving.values()) done({ ok: false, complete: false, bytes: 0, error: 'storage thread exited' });
    receiving.clear();
    onStorageStopped?.();
  });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: { t: string; port?: number }) => {
      if (m.t !== 'listening') return;
      storageThread.off('message', onMessage);
      storageThread.off('error', reject);
      storagePort = m.port!;
      resolve();
    };
    storageThread.on('message', onMessage);
    storageThread.once('error', reject);
  });
  // the emulator's process lives as long as its main server does; the thread does not hold it
  storageThread.unref();

  /** The storage port on the host the client used for the API (`base` is `http://host[:port]`). */
  function storageBase(base: string): string {
    try {
      const u = new URL(base);
      u.port = String(storagePort);
      return u.origin;
    } catch {
      return `http://${opts.host ?? '127.0.0.1'}:${storagePort}`;
    }
  }

  // ------------------------------------------------------------ server

  const server: Server = createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 5_000 }, (req, res) => {
    dispatch(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: e instanceof Error ? e.message : String(e), error: 'Internal Server Error' });
      else res.destroy();
    });
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => {
      void storageThread.terminate();
      reject(e);
    };
    server.once('error', onError);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  selfHosts = [`${host}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`];

  return {
    url,
    port,
    dataDir,
    inspect,
    setFaults: (f) => faults.set(f),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      jobs.stopAll();
      webhooks.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        onStorageStopped = () => {
          clearTimeout(t);
          resolve();
        };
        storageThread.postMessage({ t: 'stop' });
      });
      await storageThread.terminate();
      if (ownsDataDir) store.removeAll();
    },
  };
}

