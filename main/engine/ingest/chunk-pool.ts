// Reused memory for the file data of upload bodies. Reading each small file into a fresh buffer
// cost the CLI more than the reads themselves: fresh memory is page-faulted in on first touch
// (about 1-2 CPU-s per 2 GB on our build VM) and collected again by the GC. Instead, files are
// read into views of 1 MiB slabs, and a slab is reused only once every view of it is released.
//
// When is a view released? Only when nothing can read it any more:
//   - the socket it was written to has called that write's callback: Node calls a Writable's write
//     callback once the chunk is fully handled (for a socket: handed to the kernel, or, if the
//     socket was destroyed first, dropped and never to be written), and undici writes a body chunk
//     with `socket.write(chunk)` on a socket of ours (`trackedConnector` wraps its `write`);
//   - or its bytes were copied (Buffer.concat in put.ts) and the view itself dropped;
//   - or, when put.ts cut it into slices for the socket (`sliceChunk`), once every slice is.
// A view that is never released that way (a failed read, an aborted PUT, a chunk undici copied or
// never wrote) keeps its slab out of the pool: the slab is left to the garbage collector like any
// other buffer. So a slab can be late to come back, never early.

import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

export const SLAB_BYTES = 1024 * 1024;
/** Free slabs kept for reuse (beyond this, released slabs go to the garbage collector). */
const MAX_FREE_SLABS = 24;

interface Slab {
  buf: Buffer;
  /** bytes handed out */
  used: number;
  /** views handed out and not yet released */
  live: number;
  /** no more views will be cut from it (it is no longer the current slab) */
  retired: boolean;
}

const releases = new WeakMap<Buffer, () => void>();

export class SlabPool {
  private current: Slab | null = null;
  private readonly free: Slab[] = [];
  /** Slabs allocated (for tests and diagnostics). */
  allocated = 0;

  /** A view of `size` bytes (size ≤ SLAB_BYTES) to be released by `release` or by a tracked socket write. */
  take(size: number): Buffer {
    if (size > SLAB_BYTES) throw new RangeError(`${size} bytes is more than a slab`);
    let s = this.current;
    if (!s || s.used + size > SLAB_BYTES) {
      if (s) this.retire(s);
      s = this.free.pop() ?? this.newSlab();
      s.used = 0;
      s.live = 0;
      s.retired = false;
      this.current = s;
    }
    const slab = s;
    const view = slab.buf.subarray(slab.used, slab.used + size);
    slab.used += size;
    slab.live++;
    let done = false;
    releases.set(view, () => {
      if (done) return;
      done = true;
      slab.live--;
      if (slab.retired && slab.live === 0) this.recycle(slab);
    });
    return view;
  }

  private newSlab(): Slab {
    this.allocated++;
    return { buf: Buffer.allocUnsafeSlow(SLAB_BYTES), used: 0, live: 0, retired: false };
  }

  private retire(s: Slab): void {
    s.retired = true;
    if (this.current === s) this.current = null;
    if (s.live === 0) this.recycle(s);
  }

  private recycle(s: Slab): void {
    if (this.free.length < MAX_FREE_SLABS) this.free.push(s);
  }

  /** Free slabs waiting for reuse (for tests). */
  get freeSlabs(): number {
    return this.free.length;
  }
}

/** The process's pool for upload bodies. */
export const uploadSlabs = new SlabPool();

/** Releases a view now (its bytes were copied, or it was never handed out); no-op for other buffers. */
export function releaseChunk(buf: Buffer): void {
  const r = releases.get(buf);
  if (!r) return;
  releases.delete(buf);
  r();
}

/** True for a view of a pool (or a slice) that has not been released yet. */
export function isPooled(buf: Buffer): boolean {
  return releases.has(buf);
}

/**
 * Cuts a chunk into views of at most `size` bytes (no copy), for the socket to write one at a time.
 * `onWritten` is called as each slice's write completes on a tracked socket: bytes really leaving,
 * which a whole large chunk on a slow link shows only after a long while. A pooled chunk is
 * released once every slice is.
 */
export function sliceChunk(buf: Buffer, size: number, onWritten: () => void): Buffer[] {
  const parent = releases.get(buf);
  releases.delete(buf);
  const slices: Buffer[] = [];
  for (let off = 0; off < buf.length; off += size) slices.push(buf.subarray(off, off + size));
  let live = slices.length;
  for (const s of slices) {
    let done = false;
    releases.set(s, () => {
      if (done) return;
      done = true;
      onWritten();
      if (--live === 0) parent?.();
    });
  }
  return slices;
}

type WriteCallback = (err?: Error | null) => void;

/**
 * Makes a socket release pooled views written to it once their write completes (Writable's
 * write callback). Every other write goes through untouched.
 */
export function trackWrites(socket: Socket): void {
  const write = socket.write as (...args: unknown[]) => boolean;
  socket.write = function (this: Socket, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    const release = Buffer.isBuffer(chunk) ? releases.get(chunk) : undefined;
    if (!release) return write.apply(this, arguments as unknown as unknown[]);
    releases.delete(chunk as Buffer);
    const done = (typeof encoding === 'function' ? encoding : cb) as WriteCallback | undefined;
    const enc = typeof encoding === 'function' ? undefined : encoding;
    return write.call(this, chunk, enc, (err?: Error | null) => {
      release();
      done?.(err);
    });
  } as Socket['write'];
}

/** undici's connector with write tracking on every socket it makes. */
export function trackedConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  const connect = buildConnector(options);
  return (opts, callback) =>
    connect(opts, (...args: buildConnector.CallbackArgs) => {
      if (args[1]) trackWrites(args[1]);
      callback(...args);
    });
}
