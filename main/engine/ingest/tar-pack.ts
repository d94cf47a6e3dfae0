// Streams a tar shard straight from the source files (no temp file). Files up to 1 MiB are read
// with one read call (most images; a stream per small file costs more than the bytes); larger ones
// are streamed in 1 MiB chunks, so at most about 1 MiB per shard is in memory. Each member is read
// for exactly its planned size; a file that shrank makes the archive fail (tar-stream checks the
// size), so a PUT never carries a body that differs from its Content-Length without failing.

import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { pack as tarPack } from 'tar-stream';
import { releaseChunk, SLAB_BYTES, uploadSlabs } from './chunk-pool';
import type { PlanEntry } from './plan';

const WHOLE_READ_MAX = SLAB_BYTES;

type Member = Pick<PlanEntry, 'sourcePath' | 'batchName' | 'size' | 'mtimeMs'>;

/**
 * A member's file failed to open or read while its shard was being sent, though it passed the
 * checks just before (locked by another program, a disk error): the uploader leaves it out and
 * sends the rest, rather than failing the shard on it again and again.
 */
export class SourceReadError extends Error {
  constructor(
    readonly sourcePath: string,
    readonly code: string,
  ) {
    super(`${sourcePath} cannot be read (${code}).`);
    this.name = 'SourceReadError';
  }
}

/** File-system errors (with an errno code) of a member's file; anything else as it is. */
function asSourceError(m: Member, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? new SourceReadError(m.sourcePath, code) : err;
}

/**
 * Reads a small file in one go, synchronously: three thread-pool round trips (open, read, close)
 * cost more than the read itself for typical images, and a ≤ 1 MiB read blocks for well under a
 * millisecond. Into a view of the upload slab pool (reused memory, see chunk-pool.ts), released
 * once the socket has sent it.
 */
function readWhole(m: Member): Buffer {
  const fd = fs.openSync(m.sourcePath, 'r');
  const buf = uploadSlabs.take(m.size);
  try {
    let off = 0;
    while (off < m.size) {
      const n = fs.readSync(fd, buf, off, m.size - off, off);
      if (n === 0) throw new Error(`${m.sourcePath} is shorter than planned (${off} of ${m.size} bytes)`);
      off += n;
    }
    return buf;
  } catch (err) {
    releaseChunk(buf); // never handed out
    throw err;
  } finally {
    fs.closeSync(fd);
  }
}

export function tarStream(members: readonly Member[]): Readable {
  const pack = tarPack();
  const header = (m: Member) => ({ name: m.batchName, size: m.size, mode: 0o644, mtime: new Date(m.mtimeMs), type: 'file' as const });
  const run = async () => {
    for (const m of members) {
      if (pack.destroyed) return;
      if (m.size <= WHOLE_READ_MAX) {
        let buf: Buffer;
        try {
          buf = readWhole(m);
        } catch (err) {
          throw asSourceError(m, err);
        }
        await new Promise<void>((resolve, reject) => {
          const entry = pack.entry(header(m), buf, (err) => (err ? reject(err) : resolve()));
          entry.on('error', reject);
        });
        continue;
      }
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry(header(m), (err) => (err ? reject(err) : resolve()));
        entry.on('error', reject);
        const src = fs.createReadStream(m.sourcePath, { start: 0, end: Math.max(0, m.size - 1), highWaterMark: WHOLE_READ_MAX });
        // An aborted upload destroys the archive and its entry, and piping would only unpipe the
        // file: it closes with the entry instead of staying open (and 1 MiB read) for good.
        entry.once('close', () => src.destroy());
        src.on('error', (e) => {
          const failure = asSourceError(m, e) as Error;
          entry.destroy(failure);
          reject(failure);
        });
        src.pipe(entry as unknown as NodeJS.WritableStream);
      });
    }
    pack.finalize();
  };
  run().catch((e: unknown) => pack.destroy(e as Error));
  return pack as unknown as Readable;
}
