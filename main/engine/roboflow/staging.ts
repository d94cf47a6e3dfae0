// Data Staging API (roboflow-api.md section 3). Responses are parsed tolerantly: unknown fields are
// ignored, missing optional ones become undefined, and a missing required one is a clear error.

import { request, type Dispatcher } from 'undici';
import { httpError, toApiError, type RoboflowHttp } from './http';
import { SERVICE_BYTE_LIMIT_FLOOR } from '../../../shared/limits';
import { arrayOf, asRecord, optionalString, optionalTimestamp, requiredString, tokenOf } from './parse';

export interface BatchMetadata {
  batchId: string;
  displayName: string;
  batchType: string;
  batchContentType: string;
  createdDate?: string;
  expiryDate?: string;
}

export interface BatchPart {
  partName: string;
  partType: string;
  contentType: string;
  partDescription?: string;
  nestedContentType?: string;
}

export interface FileMetadata {
  downloadURL: string;
  fileName: string;
  partName?: string;
  shardId?: string;
  contentType: string;
  nestedContentType?: string;
}

export interface ShardDetails {
  shardId: string;
  statusName: string;
  statusType: string;
  eventTimestamp?: string;
  shardObjectsCount: number;
  statusMetadata?: Record<string, unknown>;
  /** Older services say outright whether the shard reached an end state. */
  isTerminal?: boolean;
}

/** A signed upload URL plus whatever limits the service sent with it. */
export interface SignedUrlDetails {
  uploadURL: string;
  extensionHeaders: Record<string, string>;
  method: string;
  /** Largest tar (bulk) or file (video) the URL accepts, when the service says. */
  maxFileSizeBytes?: number;
  /** Most files one archive may hold, when the service says. */
  maxFilesPerArchive?: number;
  /** Every limit-like field as the service sent it (names starting with "max"), for the log. */
  rawLimits: Record<string, number | string>;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string | null;
}

export interface PageQuery {
  pageSize?: number;
  nextPageToken?: string | null;
  signal?: AbortSignal;
}

/** The content list's query: a part, a page token, never a page size. */
export type ContentQuery = Omit<PageQuery, 'pageSize'> & { partName?: string };

export class StagingApi {
  constructor(
    readonly http: RoboflowHttp,
    readonly workspace: string,
  ) {}

  /** `/data-staging/v1/external/{workspace}` + rest */
  path(rest: string): string {
    return `/data-staging/v1/external/${encodeURIComponent(this.workspace)}${rest}`;
  }

  private batchPath(batchId: string, rest = ''): string {
    return this.path(`/batches/${encodeURIComponent(batchId)}${rest}`);
  }

  async listBatches(q: PageQuery = {}): Promise<Page<BatchMetadata>> {
    const body = await this.http.json<Record<string, unknown>>('list batches', 'GET', this.path('/batches'), {
      query: { pageSize: q.pageSize, nextPageToken: q.nextPageToken ?? undefined },
      signal: q.signal,
    });
    return { items: arrayOf(body.batches).map(parseBatch), nextPageToken: tokenOf(body.nextPageToken) };
  }

  async getBatch(batchId: string, signal?: AbortSignal): Promise<BatchMetadata> {
    const body = await this.http.json<Record<string, unknown>>('get batch', 'GET', this.batchPath(batchId), { signal });
    return parseBatch(body.batch ?? body);
  }

  /** Like getBatch, but undefined when the batch does not exist (yet). */
  async findBatch(batchId: string, signal?: AbortSignal): Promise<BatchMetadata | undefined> {
    const res = await this.http.jsonWithStatus<Record<string, unknown>>('get batch', 'GET', this.batchPath(batchId), {
      signal,
      acceptStatus: [404],
    });
    if (res.status === 404) return undefined;
    return parseBatch(res.body.batch ?? res.body);
  }

  /** Indexed files in the batch (or one part); 0 when the batch does not exist yet. */
  async count(batchId: string, partName?: string, signal?: AbortSignal): Promise<number> {
    const res = await this.http.jsonWithStatus<Record<string, unknown>>('count batch', 'GET', this.batchPath(batchId, '/count'), {
      query: { partName },
      signal,
      acceptStatus: [404],
    });
    if (res.status === 404) return 0;
    return numberOf(res.body.count) ?? 0;
  }

  async parts(batchId: string, signal?: AbortSignal): Promise<BatchPart[]> {
    const body = await this.http.json<Record<string, unknown>>('list batch parts', 'GET', this.batchPath(batchId, '/parts'), { signal });
    return arrayOf(body.batchParts ?? body.parts).map(asRecord).map((p) => ({
      partName: requiredString(p.partName, 'partName'),
      partType: optionalString(p.partType) ?? 'simple-batch',
      contentType: optionalString(p.contentType) ?? 'mixed',
      partDescription: optionalString(p.partDescription),
      nestedContentType: optionalString(p.nestedContentType),
    }));
  }

  /**
   * One page of the batch's files. No page size is sent, as the official client sends none (1.7):
   * the service's default and maximum are not documented, and one above its maximum may be refused.
   */
  async listContent(batchId: string, q: ContentQuery = {}): Promise<Page<FileMetadata>> {
    const body = await this.http.json<Record<string, unknown>>('list batch content', 'GET', this.batchPath(batchId, '/list'), {
      query: { partName: q.partName, nextPageToken: q.nextPageToken ?? undefined },
      signal: q.signal,
    });
    return { items: arrayOf(body.filesMetadata).map(parseFile), nextPageToken: tokenOf(body.nextPageToken) };
  }

  /** Every file of the batch (or one part), page by page. */
  async *iterateContent(batchId: string, q: Omit<ContentQuery, 'nextPageToken'> = {}): AsyncIterable<FileMetadata> {
    let token: string | null = null;
    do {
      const page: Page<FileMetadata> = await this.listContent(batchId, { ...q, nextPageToken: token });
      yield* page.items;
      token = page.nextPageToken;
    } while (token);
  }

  /** Ingest details per shard; an empty list when the batch does not exist yet. */
  async listShards(batchId: string, q: PageQuery = {}): Promise<Page<ShardDetails>> {
    const res = await this.http.jsonWithStatus<Record<string, unknown>>('list shards', 'GET', this.batchPath(batchId, '/shards'), {
      query: { pageSize: q.pageSize, nextPageToken: q.nextPageToken ?? undefined },
      signal: q.signal,
      acceptStatus: [404],
    });
    if (res.status === 404) return { items: [], nextPageToken: null };
    return { items: arrayOf(res.body.shards).map(parseShard), nextPageToken: tokenOf(res.body.nextPageToken) };
  }

  async *iterateShards(batchId: string, q: Omit<PageQuery, 'nextPageToken'> = {}): AsyncIterable<ShardDetails> {
    let token: string | null = null;
    do {
      const page: Page<ShardDetails> = await this.listShards(batchId, { ...q, nextPageToken: token });
      yield* page.items;
      token = page.nextPageToken;
    } while (token);
  }

  /** A signed URL for one tar shard of images. Each call gives a fresh URL. */
  async requestBulkUploadUrl(batchId: string, displayName: string | undefined, signal?: AbortSignal): Promise<SignedUrlDetails> {
    const body = await this.http.json<Record<string, unknown>>(
      'request shard upload URL',
      'POST',
      this.batchPath(batchId, '/bulk-upload/image-files'),
      { query: { displayName: displayName || batchId }, signal },
    );
    return parseSignedUrl(body);
  }

  /** A signed URL for one video file. */
  async requestVideoUploadUrl(
    batchId: string,
    fileName: string,
    displayName: string | undefined,
    signal?: AbortSignal,
  ): Promise<SignedUrlDetails> {
    const body = await this.http.json<Record<string, unknown>>('request video upload URL', 'POST', this.batchPath(batchId, '/upload/video'), {
      query: { fileName, displayName: displayName || batchId },
      signal,
    });
    return parseSignedUrl(body);
  }

  /** Simple upload of one image (multipart form, one part). For small batches only. */
  async uploadImage(
    batchId: string,
    fileName: string,
    bytes: Uint8Array,
    opts: { displayName?: string; signal?: AbortSignal; dispatcher?: Dispatcher } = {},
  ): Promise<void> {
    const operation = 'upload image';
    const boundary = `----batchdesk${Math.random().toString(16).slice(2)}`;
    const safe = fileName.replace(/["\r\n]/g, '_');
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${safe}"; filename="${safe}"\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const body = Buffer.concat([head, bytes, tail]);
    const url = this.http.url(this.batchPath(batchId, '/upload/image'), { fileName, displayName: opts.displayName || batchId });
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'POST',
        signal: opts.signal,
        dispatcher: opts.dispatcher,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) },
        body,
      });
    } catch (err) {
      throw toApiError(err, operation);
    }
    const text = await res.body.text();
    if (res.statusCode >= 400) throw httpError(operation, res.statusCode, text);
  }
}

// ---- reading the service's answers ----






function numberOf(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function parseBatch(v: unknown): BatchMetadata {
  const b = asRecord(v);
  const batchId = requiredString(b.batchId, 'batchId');
  return {
    batchId,
    displayName: optionalString(b.displayName) ?? batchId,
    batchType: optionalString(b.batchType) ?? 'simple-batch',
    batchContentType: optionalString(b.batchContentType) ?? 'mixed',
    createdDate: optionalTimestamp(b.createdDate),
    expiryDate: optionalTimestamp(b.expiryDate),
  };
}

function parseFile(v: unknown): FileMetadata {
  const f = asRecord(v);
  return {
    downloadURL: requiredString(f.downloadURL, 'downloadURL'),
    fileName: requiredString(f.fileName, 'fileName'),
    partName: optionalString(f.partName),
    shardId: optionalString(f.shardId),
    contentType: optionalString(f.contentType) ?? '',
    nestedContentType: optionalString(f.nestedContentType),
  };
}

function parseShard(v: unknown): ShardDetails {
  const s = asRecord(v);
  const meta = s.statusMetadata;
  return {
    shardId: requiredString(s.shardId, 'shardId'),
    statusName: optionalString(s.statusName) ?? '',
    statusType: optionalString(s.statusType) ?? '',
    eventTimestamp: optionalTimestamp(s.eventTimestamp),
    shardObjectsCount: numberOf(s.shardObjectsCount) ?? 0,
    statusMetadata: meta && typeof meta === 'object' && !Array.isArray(meta) ? (meta as Record<string, unknown>) : undefined,
    isTerminal: typeof s.isTerminal === 'boolean' ? s.isTerminal : undefined,
  };
}

/**
 * Reads `signedURLDetails`, including any limit the service sends under one of its likely names. A
 * byte limit below SERVICE_BYTE_LIMIT_FLOOR is ignored: its unit is unconfirmed (3.8, 11).
 */
export function parseSignedUrl(body: Record<string, unknown>): SignedUrlDetails {
  const d = asRecord(body.signedURLDetails ?? body);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(d.extensionHeaders))) if (v !== undefined && v !== null) headers[k] = String(v);
  const pick = (floor: number, ...names: string[]) => {
    for (const n of names) {
      const x = numberOf(d[n] ?? body[n]);
      if (x !== undefined && x > 0) return x >= floor ? x : undefined;
    }
    return undefined;
  };
  return {
    uploadURL: requiredString(d.uploadURL, 'signedURLDetails.uploadURL'),
    extensionHeaders: headers,
    method: (optionalString(d.method) ?? 'PUT').toUpperCase(),
    maxFileSizeBytes: pick(SERVICE_BYTE_LIMIT_FLOOR, 'maxFileSizeBytes', 'maxFileSize', 'maxArchiveSizeBytes', 'maxSizeBytes'),
    maxFilesPerArchive: pick(1, 'maxFilesPerArchive', 'maxFilesInArchive', 'maxFiles', 'maxImagesPerArchive'),
    rawLimits: { ...limitFields(body), ...limitFields(d) },
  };
}

/** Fields named like a limit, numbers and short plain text only (never a URL or a header). */
function limitFields(o: Record<string, unknown>): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (!/^max/i.test(k)) continue;
    if (typeof v === 'number' || (typeof v === 'string' && /^[\w .,-]{1,40}$/.test(v))) out[k] = v;
  }
  return out;
}

/** Per-file outcomes a shard's statusMetadata reports (emulator: `{ ingestedFiles, failedFiles: [...] }`). */
export interface ShardFileFailure {
  fileName: string;
  type: string;
  reason: string;
}

export function shardFailures(shard: ShardDetails): ShardFileFailure[] {
  const m = shard.statusMetadata ?? {};
  const list = arrayOf(m.failedFiles ?? m.failed_files);
  const out: ShardFileFailure[] = [];
  for (const item of list) {
    if (typeof item === 'string') {
      out.push({ fileName: item, type: 'failed', reason: 'rejected by the service' });
      continue;
    }
    const f = asRecord(item);
    const fileName = optionalString(f.fileName ?? f.file_name ?? f.name);
    if (!fileName) continue;
    out.push({ fileName, type: optionalString(f.type) ?? 'failed', reason: optionalString(f.reason ?? f.message) ?? 'rejected by the service' });
  }
  return out;
}

/** True when the shard has reached an end state (indexed, or failed as a whole); `info` means still moving. */
export function shardSettled(shard: ShardDetails): boolean {
  if (shard.isTerminal !== undefined) return shard.isTerminal;
  return /error|fail|success|succeeded|done|complete/i.test(shard.statusType);
}

export function shardFailedWhole(shard: ShardDetails): boolean {
  return shard.statusType.toLowerCase().includes('error');
}
