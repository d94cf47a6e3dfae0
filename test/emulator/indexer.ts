// Asynchronous indexing of bulk ingests (tar shards and references) into a batch.
// Files are streamed to disk (never buffered whole), hashed on the way, and
// committed to the batch atomically per shard.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, unlink } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
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
} from './store';

export interface Staged {
  name: string;
  objectId: string;
  path: string;
  size: number;
  sha256: string;
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
  const bad = fileNameProblem(name);
  if (bad) {
    await drain(stream);
    return { type: 'invalid-file-name', fileName: name, reason: bad };
  }
  const ext = extensionOf(name);
  const allowed = kind === 'videos' ? VIDEO_EXTENSIONS : IMAGE_EXTENSIONS;
  if (!allowed.includes(ext)) {
    await drain(stream);
    return {
      type: 'unsupported-file-type',
      fileName: name,
      reason: `extension "${ext}" is not a supported ${kind === 'videos' ? 'video' : 'image'} type (${allowed.join(', ')})`,
    };
  }
  if (kind === 'images' && declaredSize !== null && declaredSize > MAX_IMAGE_BYTES) {
    await drain(stream);
    return {
      type: 'file-size-limit-exceeded',
      fileName: name,
      reason: `file size ${declaredSize} B exceeds the limit of ${MAX_IMAGE_BYTES} B`,
    };
  }
  const { objectId, path } = store.newObject();
  const hash = createHash('sha256');
  let head = Buffer.alloc(0);
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      if (head.length < 16) head = Buffer.concat([head, chunk.subarray(0, 16 - head.length)]);
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
  if (kind === 'images' && size > MAX_IMAGE_BYTES) {
    unlink(path, () => undefined);
    return { type: 'file-size-limit-exceeded', fileName: name, reason: `file size ${size} B exceeds the limit of ${MAX_IMAGE_BYTES} B` };
  }
  if (kind === 'images' && !imageKindByMagic(head)) {
    unlink(path, () => undefined);
    return {
      type: 'unsupported-file-type',
      fileName: name,
      reason: 'content is not a PNG, JPEG, WEBP, BMP or JPEG 2000 image',
    };
  }
  return { name, objectId, path, size, sha256: hash.digest('hex') };
}

function isStaged(x: Staged | FailedFile): x is Staged {
  return 'objectId' in x;
}

/** Parses a tar shard. Throws (with a readable message) when the archive is corrupt. */
export async function stageTar(store: Store, tarPath: string, kind: ContentType): Promise<StageOutcome> {
  const out: StageOutcome = { staged: [], failed: [], seen: [] };
  const ex = tarExtract();
  const src = createReadStream(tarPath, { highWaterMark: 1 << 20 });
  let sawAnyByte = false;
  src.on('data', () => (sawAnyByte = true));
  src.on('error', (e) => ex.destroy(e));
  src.pipe(ex);
  let files = 0;
  try {
    for await (const entry of ex) {
      const h = entry.header;
      let name = h.name;
      while (name.startsWith('./')) name = name.slice(2);
      if (h.type === 'directory') {
        await drain(entry);
        continue;
      }
      if (name === NOTIFICATION_CONFIG) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(Buffer.from(c as Uint8Array));
        try {
          const cfg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          if (typeof cfg.ingestId === 'string') out.ingestId = cfg.ingestId;
          if (typeof cfg.notificationsURL === 'string') out.notificationsURL = cfg.notificationsURL;
        } catch {
          /* an unparsable config is ignored like any other non-content */
        }
        continue;
      }
      files++;
      if (files > MAX_FILES_PER_ARCHIVE) {
        throw new Error(`archive holds more than ${MAX_FILES_PER_ARCHIVE} files`);
      }
      out.seen.push(name);
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        await drain(entry);
        out.failed.push({ type: 'unsupported-file-type', fileName: name, reason: `tar member of type "${String(h.type)}" is not a regular file` });
        continue;
      }
      const r = await stageFile(store, name, h.size ?? null, entry, kind);
      if (isStaged(r)) out.staged.push(r);
      else out.failed.push(r);
    }
  } catch (e) {
    src.destroy();
    for (const s of out.staged) unlink(s.path, () => undefined);
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`corrupt or unreadable tar archive: ${msg}`);
  }
  if (!sawAnyByte) throw new Error('corrupt or unreadable tar archive: empty body');
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
      unlink(s.path, () => undefined);
      failed.push({ type: 'duplicated-file-name', fileName: s.name, reason: `a file named "${s.name}" already exists in batch ${batch.batchId}` });
      continue;
    }
    store.addFile(batch, {
      objectId: s.objectId,
      name: s.name,
      size: s.size,
      path: s.path,
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
  resolve: (url: string) => { path: string; size: number } | null,
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
    const r = await stageFile(store, ref.name, src.size, createReadStream(src.path), kind);
    if (isStaged(r)) out.staged.push(r);
    else out.failed.push(r);
  }
  return out;
}
