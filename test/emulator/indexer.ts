// Asynchronous indexing of bulk ingests (tar shards and references) into a batch.
// Tar shards are indexed in place (their members stay in the stored shard file); referenced files
// are streamed to disk (never buffered whole), hashed on the way. Either way a shard is committed
// to the batch atomically.

import { createHash } from 'node:crypto';
import { createWriteStream, unlink } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type Batch,
  type ContentType,
  type FailedFile,
  type Shard,
  type Store,
  IMAGE_EXTENSIONS,
  MAX_FILES_PER_ARCHIVE,
  MAX_IMAGE_BYTES,
  VIDEO_EXTENSIONS,
  extensionOf,
  imageKindByMagic,
  objectStream,
} from './store';
import { walkTar } from './tar-index';

export interface Staged {
  name: string;
  objectId: string;
  path: string;
  /** set when the file lies inside the stored shard at `path` (not copied) */
  offset?: number;
  size: number;
  /** null: computed later, when something asks */
  sha256: string | null;
}

export interface StageOutcome {
  staged: Staged[];
  failed: FailedFile[];
  /** names of every content file seen (for receivedCount), in order */
  seen: string[];
  ingestId?: string;
  notificationsURL?: string;
}

export const NOTIFICATION_CONFIG = 'notification_config.json';

/** Bytes of a file's start kept for the magic-number check. */
const HEAD_BYTES = 16;

type Source = AsyncIterable<unknown>;

async function drain(stream: Source): Promise<void> {
  for await (const chunk of stream) void chunk;
}

/** Validates a file name inside a batch: a plain base name. */
export function fileNameProblem(name: string): string | null {
  if (name.length === 0) return 'empty file name';
  if (name.length > 255) return 'file name longer than 255 characters';
  if (name.includes('/') || name.includes('\\')) return 'file name must not contain a path';
  if (name === '.' || name === '..') return 'invalid file name';
  if (/[\u0000-\u001f]/.test(name)) return 'file name contains control characters';
  return null;
}

/** The checks made before a byte of the file is read (name, type by extension, declared size). */
function precheck(name: string, declaredSize: number | null, kind: ContentType): FailedFile | null {
  const bad = fileNameProblem(name);
  if (bad) return { type: 'invalid-file-name', fileName: name, reason: bad };
  const ext = extensionOf(name);
  const allowed = kind === 'videos' ? VIDEO_EXTENSIONS : IMAGE_EXTENSIONS;
  if (!allowed.includes(ext)) {
    return {
      type: 'unsupported-file-type',
      fileName: name,
      reason: `extension "${ext}" is not a supported ${kind === 'videos' ? 'video' : 'image'} type (${allowed.join(', ')})`,
    };
  }
  if (kind === 'images' && declaredSize !== null && declaredSize > MAX_IMAGE_BYTES) {
    return {
      type: 'file-size-limit-exceeded',
      fileName: name,
      reason: `file size ${declaredSize} B exceeds the limit of ${MAX_IMAGE_BYTES} B`,
    };
  }
  return null;
}

/** The checks made on the bytes: actual size, and (images) the magic number in the first 16 bytes. */
function postcheck(name: string, size: number, head: Buffer, kind: ContentType): FailedFile | null {
  if (kind === 'images' && size > MAX_IMAGE_BYTES) {
    return { type: 'file-size-limit-exceeded', fileName: name, reason: `file size ${size} B exceeds the limit of ${MAX_IMAGE_BYTES} B` };
  }
  if (kind === 'images' && !imageKindByMagic(head)) {
    return {
      type: 'unsupported-file-type',
      fileName: name,
      reason: 'content is not a PNG, JPEG, WEBP, BMP or JPEG 2000 image',
    };
  }
  return null;
}

/**
 * Streams one file to disk with checks. Returns a Staged file or a FailedFile.
 * `declaredSize` is checked before reading when known.
 */
export async function stageFile(
  store: Store,
  name: string,
  declaredSize: number | null,
  stream: Source,
  kind: ContentType,
): Promise<Staged | FailedFile> {
  const early = precheck(name, declaredSize, kind);
  if (early) {
    await drain(stream);
    return early;
  }
  const { objectId, path } = store.newObject();
  const hash = createHash('sha256');
  let head = Buffer.alloc(0);
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  try {
    await pipeline(stream, tap, createWriteStream(path, { highWaterMark: 1 << 20 }));
  } catch (e) {
    unlink(path, () => undefined);
    throw e;
  }
  const late = postcheck(name, size, head, kind);
  if (late) {
    unlink(path, () => undefined);
    return late;
  }
  return { name, objectId, path, size, sha256: hash.digest('hex') };
}

function isStaged(x: Staged | FailedFile): x is Staged {
  return 'objectId' in x;
}

/**
 * Indexes a stored tar shard in place: its headers are read where they lie and each member's first
 * bytes checked; accepted members become objects that point into the shard file (offset, size),
 * nothing is copied or hashed (the digest is computed when something asks for it). The same checks
 * and refusals as streaming each member to its own file (see tar-index.ts for the archive's).
 * Throws (with a readable message) when the archive is corrupt.
 */
export async function stageTar(store: Store, tarPath: string, kind: ContentType): Promise<StageOutcome> {
  const out: StageOutcome = { staged: [], failed: [], seen: [] };
  let files = 0;
  if ((await stat(tarPath)).size === 0) throw new Error('corrupt or unreadable tar archive: empty body');
  try {
    walkTar(tarPath, HEAD_BYTES, ({ header: h, dataOffset, head }, readData) => {
      let name = h.name;
      while (name.startsWith('./')) name = name.slice(2);
      if (h.type === 'directory') return;
      if (name === NOTIFICATION_CONFIG) {
        try {
          const cfg = JSON.parse(readData().toString('utf8')) as Record<string, unknown>;
          if (typeof cfg.ingestId === 'string') out.ingestId = cfg.ingestId;
          if (typeof cfg.notificationsURL === 'string') out.notificationsURL = cfg.notificationsURL;
        } catch (e) {
          if (e instanceof Error && e.message === 'Unexpected end of data') throw e;
          /* an unparsable config is ignored like any other non-content */
        }
        return;
      }
      files++;
      if (files > MAX_FILES_PER_ARCHIVE) {
        throw new Error(`archive holds more than ${MAX_FILES_PER_ARCHIVE} files`);
      }
      out.seen.push(name);
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        out.failed.push({ type: 'unsupported-file-type', fileName: name, reason: `tar member of type "${String(h.type)}" is not a regular file` });
        return;
      }
      const problem = precheck(name, h.size, kind) ?? postcheck(name, h.size, head, kind);
      if (problem) {
        out.failed.push(problem);
        return;
      }
      out.staged.push({ name, objectId: store.newObjectId(), path: tarPath, offset: dataOffset, size: h.size, sha256: null });
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`corrupt or unreadable tar archive: ${msg}`);
  }
  return out;
}

/** Moves staged files into the batch. Duplicated names are rejected (first wins). */
export function commitShard(store: Store, batch: Batch, shard: Shard, outcome: StageOutcome, kind: ContentType): { ingested: string[]; failed: FailedFile[] } {
  const failed = [...outcome.failed];
  const names: string[] = [];
  let ingested = 0;
  for (const name of outcome.seen) store.noteReceived(batch, name);
  for (const s of outcome.staged) {
    if (batch.files.byName.has(s.name)) {
      if (s.offset === undefined) unlink(s.path, () => undefined); // in-place members go with their shard file
      failed.push({ type: 'duplicated-file-name', fileName: s.name, reason: `a file named "${s.name}" already exists in batch ${batch.batchId}` });
      continue;
    }
    store.addFile(batch, {
      objectId: s.objectId,
      name: s.name,
      size: s.size,
      path: s.path,
      ...(s.offset !== undefined ? { offset: s.offset } : {}),
      sha256: s.sha256,
      contentType: kind,
      shardId: shard.shardId,
      batchId: batch.batchId,
      createdAt: new Date(),
    });
    names.push(s.name);
    ingested++;
  }
  shard.statusType = 'success';
  shard.statusName = failed.length ? 'indexed-with-rejections' : 'indexed';
  shard.shardObjectsCount = ingested;
  shard.eventTimestamp = new Date();
  shard.statusMetadata = { ingestedFiles: ingested, failedFiles: failed };
  if (outcome.ingestId) shard.ingestId = outcome.ingestId;
  if (outcome.notificationsURL && !shard.notificationsURL) {
    shard.notificationsURL = outcome.notificationsURL;
    shard.notificationCategories = ['ingest-status'];
  }
  return { ingested: names, failed };
}

export function failShard(shard: Shard, reason: string): void {
  shard.statusType = 'error';
  shard.statusName = 'indexing-failed';
  shard.shardObjectsCount = 0;
  shard.eventTimestamp = new Date();
  shard.statusMetadata = { ingestedFiles: 0, failedFiles: [], reason };
}

export interface Reference {
  name: string;
  url: string;
}

/** Stages references; `resolve` maps a URL to a local file (emulator-owned URLs only) or null when unsafe. */
export async function stageReferences(
  store: Store,
  refs: Reference[],
  kind: ContentType,
  resolve: (url: string) => { path: string; size: number; offset?: number } | null,
): Promise<StageOutcome> {
  const out: StageOutcome = { staged: [], failed: [], seen: [] };
  for (const ref of refs) {
    out.seen.push(ref.name);
    const src = resolve(ref.url);
    if (!src) {
      out.failed.push({
        type: 'unsafe-url-detected',
        fileName: ref.name,
        reason: 'the emulator only fetches valid, unexpired signed URLs that point at itself',
      });
      continue;
    }
    const r = await stageFile(store, ref.name, src.size, objectStream(src), kind);
    if (isStaged(r)) out.staged.push(r);
    else out.failed.push(r);
  }
  return out;
}
