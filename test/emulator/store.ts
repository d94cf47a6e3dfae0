// In-memory state of the emulator (batches, files, shards) with file bodies on disk.

import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, rmSync, unlink } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

export type BatchType = 'simple-batch' | 'sharded-batch' | 'multipart-batch';
export type ContentType = 'images' | 'videos' | 'metadata' | 'archives' | 'mixed';

export const MAX_IMAGE_BYTES = 20_971_520;
export const MAX_FILES_PER_ARCHIVE = 500;
export const BATCH_TTL_MS = 7 * 24 * 3600 * 1000;

// What the service indexes. Undocumented (roboflow-api.md 7.3): a secondary source's list, plus jpeg,
// strictly; the CLI discovers more (dib, jpe, m4a, webm, …), which are rejected as unsupported.
export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'bmp', 'jp2'];
export const VIDEO_EXTENSIONS = ['mp4', 'mov', 'avi', 'mkv', 'flv', 'wmv', 'm4v'];

export function extensionOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i <= 0 ? '' : name.slice(i + 1).toLowerCase();
}

/** Detects an image by magic bytes (PNG, JPEG, WEBP, BMP, JPEG 2000). */
export function imageKindByMagic(head: Buffer): string | null {
  if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (head.length >= 14 && head[0] === 0x42 && head[1] === 0x4d) return 'bmp';
  if (head.length >= 12 && head.readUInt32BE(0) === 0x0000000c && head.readUInt32BE(4) === 0x6a502020 && head.readUInt32BE(8) === 0x0d0a870a) return 'jp2';
  if (head.length >= 4 && head.readUInt32BE(0) === 0xff4fff51) return 'jp2';
  return null;
}

export interface FileEntry {
  objectId: string;
  name: string;
  size: number;
  path: string;
  /**
   * Where the bytes start in `path`. Set for members of a stored tar shard: they are indexed in
   * place (never copied), and the shard file is shared by all of them (see Store.addFile).
   * Absent: the object is the whole file.
   */
  offset?: number;
  /** hex; computed at ingest for simple uploads, lazily (from the bytes) otherwise */
  sha256: string | null;
  contentType: ContentType;
  nestedContentType?: ContentType;
  shardId?: string;
  partName?: string;
  batchId: string;
  createdAt: Date;
}

export class FileList {
  readonly items: FileEntry[] = [];
  readonly byName = new Map<string, FileEntry>();
  /** Add or replace (replacement keeps the original position). Returns the replaced entry. */
  put(f: FileEntry): FileEntry | undefined {
    const prev = this.byName.get(f.name);
    if (prev) {
      const i = this.items.indexOf(prev);
      this.items[i] = f;
    } else {
      this.items.push(f);
    }
    this.byName.set(f.name, f);
    return prev;
  }
  get size(): number {
    return this.items.length;
  }
}

export interface Part {
  partName: string;
  partType: BatchType;
  contentType: ContentType;
  nestedContentType?: ContentType;
  partDescription?: string;
  files: FileList;
}

export interface FailedFile {
  type: 'file-size-limit-exceeded' | 'unsupported-file-type' | 'duplicated-file-name' | 'invalid-file-name' | 'unsafe-url-detected';
  fileName: string;
  reason: string;
}

export interface Shard {
  shardId: string;
  statusName: string;
  statusType: 'info' | 'success' | 'error';
  eventTimestamp: Date;
  shardObjectsCount: number;
  statusMetadata?: Record<string, unknown>;
  ingestId?: string;
  /** webhook target (from notification_config.json or the references request) */
  notificationsURL?: string;
  notificationCategories?: string[];
  source: 'tar' | 'references';
  createdAt: Date;
}

export interface Batch {
  batchId: string;
  displayName: string;
  batchType: BatchType;
  batchContentType: ContentType;
  createdDate: Date;
  expiryDate: Date;
  /** how content got in: `simple` uploads, `bulk` (tar / references) or `system` (job outputs) */
  mode: 'simple' | 'bulk' | 'system';
  files: FileList;
  parts: Map<string, Part> | null;
  shards: Shard[];
  /** name (or `part/name`) → how many times a file of that name was received */
  received: Map<string, number>;
  ingests: Map<string, { fingerprint: string; shardIds: string[] }>;
}

/** The object's bytes (or the inclusive byte range `start`..`end` of them) as a stream. */
export function objectStream(f: Pick<FileEntry, 'path' | 'size' | 'offset'>, start = 0, end = f.size - 1, highWaterMark = 1 << 20): Readable {
  if (end < start || f.size === 0) return Readable.from([]);
  const base = f.offset ?? 0;
  return createReadStream(f.path, { start: base + start, end: base + end, highWaterMark });
}

/** The object's bytes (small objects: images, listings). */
export async function readObject(f: Pick<FileEntry, 'path' | 'size' | 'offset'>): Promise<Buffer> {
  const fh = await open(f.path, 'r');
  try {
    const buf = Buffer.allocUnsafe(f.size);
    let off = 0;
    while (off < f.size) {
      const { bytesRead } = await fh.read(buf, off, f.size - off, (f.offset ?? 0) + off);
      if (bytesRead === 0) throw new Error(`object ${f.path} is shorter than its recorded size`);
      off += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

export class Store {
  readonly batches = new Map<string, Batch>();
  readonly objects = new Map<string, FileEntry>();
  /** Stored tar shards whose members are objects in place → how many of those objects are live. */
  private readonly shared = new Map<string, number>();
  readonly objectsDir: string;
  readonly uploadsDir: string;
  readonly workDir: string;

  constructor(readonly dataDir: string) {
    this.objectsDir = join(dataDir, 'objects');
    this.uploadsDir = join(dataDir, 'uploads');
    this.workDir = join(dataDir, 'work');
    for (const d of [this.objectsDir, this.uploadsDir, this.workDir]) mkdirSync(d, { recursive: true });
  }

  /** Random bytes for object ids, drawn 4 KiB at a time: one getrandom per 341 ids, not one per id. */
  private idPool = Buffer.alloc(0);
  private idPos = 0;

  /** 12 random bytes as 24 hex digits (as many as before; the bytes are as random, only fetched in bulk). */
  newObjectId(): string {
    if (this.idPos + 12 > this.idPool.length) {
      this.idPool = randomBytes(12 * 341);
      this.idPos = 0;
    }
    const id = this.idPool.toString('hex', this.idPos, this.idPos + 12);
    this.idPos += 12;
    return id;
  }

  newObject(): { objectId: string; path: string } {
    const objectId = this.newObjectId();
    return { objectId, path: join(this.objectsDir, objectId) };
  }

  createBatch(batchId: string, init: Pick<Batch, 'displayName' | 'batchType' | 'batchContentType' | 'mode'>): Batch {
    const now = new Date();
    const b: Batch = {
      batchId,
      ...init,
      createdDate: now,
      expiryDate: new Date(now.getTime() + BATCH_TTL_MS),
      files: new FileList(),
      parts: init.batchType === 'multipart-batch' ? new Map() : null,
      shards: [],
      received: new Map(),
      ingests: new Map(),
    };
    this.batches.set(batchId, b);
    return b;
  }

  noteReceived(batch: Batch, key: string): void {
    batch.received.set(key, (batch.received.get(key) ?? 0) + 1);
  }

  /** Adds a committed file to a batch (or one of its parts). Replaces same-named files. */
  addFile(batch: Batch, f: FileEntry, partName?: string): void {
    const list = partName ? batch.parts?.get(partName)?.files : batch.files;
    if (!list) throw new Error(`no part ${partName ?? ''} in ${batch.batchId}`);
    if (f.offset !== undefined) this.shared.set(f.path, (this.shared.get(f.path) ?? 0) + 1);
    const prev = list.put(f);
    if (prev) this.dropObject(prev);
    this.objects.set(f.objectId, f);
  }

  dropObject(f: FileEntry): void {
    this.objects.delete(f.objectId);
    if (f.offset === undefined) return unlink(f.path, () => undefined);
    const left = (this.shared.get(f.path) ?? 1) - 1;
    if (left > 0) return void this.shared.set(f.path, left);
    this.shared.delete(f.path);
    unlink(f.path, () => undefined);
  }

  /** True while some object lives inside this (shard) file. */
  holds(path: string): boolean {
    return this.shared.has(path);
  }

  /** Number of indexed files (whole batch, or one part). */
  count(batch: Batch, partName?: string): number {
    if (partName !== undefined) return batch.parts?.get(partName)?.files.size ?? 0;
    if (batch.parts) {
      let n = 0;
      for (const p of batch.parts.values()) n += p.files.size;
      return n;
    }
    return batch.files.size;
  }

  deleteBatch(batchId: string): void {
    const b = this.batches.get(batchId);
    if (!b) return;
    for (const f of b.files.items) this.dropObject(f);
    if (b.parts) for (const p of b.parts.values()) for (const f of p.files.items) this.dropObject(f);
    this.batches.delete(batchId);
  }

  removeAll(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
