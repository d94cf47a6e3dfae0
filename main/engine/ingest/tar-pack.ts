// Streams a tar shard straight from the source files (no temp file), byte for byte what tar-stream's
// packer writes for the same members (ustar headers; a PAX `path` record when the name is not ASCII
// or longer than 100 bytes; the header and size tar-size.ts counts). Small members are packed
// together: the headers are written and the files read (one synchronous read each) straight into
// one buffer of up to ~256 KiB, which goes to the socket as it is: no per-file buffers, no copy to
// join headers, data and padding. Files over 1 MiB are read in 1 MiB pieces, so at most about
// 1 MiB per shard is in memory. Each member is read for exactly its planned size; a file that
// shrank fails the stream, so a PUT never carries a body that differs from its Content-Length
// without failing.

import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { PlanEntry } from './plan';
import { fitsUstar, padded, paxRecordLength, TAR_END } from './tar-size';

const BLOCK = 512;
/** Members up to this size are read whole, with one read call. */
const WHOLE_READ_MAX = 1024 * 1024;
/** Small members are packed together into buffers of about this size. */
const BATCH_BYTES = 256 * 1024;

type Member = Pick<PlanEntry, 'sourcePath' | 'batchName' | 'size' | 'mtimeMs'>;

/** Octal, zero-padded to `n` digits, then a space (all sevens when it does not fit), as tar-stream. */
function writeOctal(buf: Buffer, off: number, val: number, n: number): void {
  const s = val.toString(8);
  buf.write(s.length > n ? '7'.repeat(n) + ' ' : '0'.repeat(n - s.length) + s + ' ', off, 'latin1');
}

/** A 512-byte ustar header at `off` (the block must be zeroed). */
function writeHeader(buf: Buffer, off: number, name: string, size: number, mtimeS: number, typeflag: number): void {
  buf.write(name, off, 'latin1');
  writeOctal(buf, off + 100, 0o644, 6);
  writeOctal(buf, off + 108, 0, 6);
  writeOctal(buf, off + 116, 0, 6);
  if (size.toString(8).length > 11) {
    // base-256 for sizes of 8 GiB and more
    buf[off + 124] = 0x80;
    let num = size;
    for (let i = 11; i > 0; i--) {
      buf[off + 124 + i] = num & 0xff;
      num = Math.floor(num / 0x100);
    }
  } else {
    writeOctal(buf, off + 124, size, 11);
  }
  writeOctal(buf, off + 136, mtimeS, 11);
  buf[off + 156] = typeflag;
  buf.write('ustar\u000000', off + 257, 'latin1');
  writeOctal(buf, off + 329, 0, 6);
  writeOctal(buf, off + 337, 0, 6);
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += buf[off + i]!;
  for (let i = 156; i < BLOCK; i++) sum += buf[off + i]!;
  writeOctal(buf, off + 148, sum, 6);
}

const TYPE_FILE = 0x30; // '0'
const TYPE_PAX = 0x78; // 'x'

/** Writes a member's header block(s) at `off` (zeroed); returns the offset of its data. */
function writeMemberHeader(buf: Buffer, off: number, m: Member): number {
  const mtimeS = (new Date(m.mtimeMs).getTime() / 1000) | 0;
  if (fitsUstar(m.batchName)) {
    writeHeader(buf, off, m.batchName, m.size, mtimeS, TYPE_FILE);
    return off + BLOCK;
  }
  const recordLength = paxRecordLength('path', m.batchName);
  writeHeader(buf, off, 'PaxHeader', recordLength, mtimeS, TYPE_PAX);
  buf.write(`${recordLength} path=${m.batchName}\n`, off + BLOCK, 'utf8');
  const next = off + BLOCK + padded(recordLength);
  writeHeader(buf, next, 'PaxHeader', m.size, mtimeS, TYPE_FILE);
  return next + BLOCK;
}

function headerBytes(m: Member): number {
  return fitsUstar(m.batchName) ? BLOCK : BLOCK + padded(paxRecordLength('path', m.batchName)) + BLOCK;
}

/** Reads exactly `len` bytes of `fd` from `pos` into `buf` at `off`. */
function readExactly(fd: number, buf: Buffer, off: number, len: number, pos: number, m: Member): void {
  let done = 0;
  while (done < len) {
    const n = fs.readSync(fd, buf, off + done, len - done, pos + done);
    if (n === 0) throw new Error(`${m.sourcePath} is shorter than planned (${pos + done} of ${m.size} bytes)`);
    done += n;
  }
}

function readWholeInto(buf: Buffer, off: number, m: Member): void {
  if (m.size === 0) {
    // opened all the same: a file that vanished or became unreadable fails the shard as before
    fs.closeSync(fs.openSync(m.sourcePath, 'r'));
    return;
  }
  const fd = fs.openSync(m.sourcePath, 'r');
  try {
    readExactly(fd, buf, off, m.size, 0, m);
  } finally {
    fs.closeSync(fd);
  }
}

class TarReadable extends Readable {
  private next = 0;
  /** a large member being streamed */
  private big: { m: Member; fd: number; pos: number } | null = null;
  /** the two end blocks went out */
  private endWritten = false;
  private ended = false;

  constructor(private readonly members: readonly Member[]) {
    super({ highWaterMark: WHOLE_READ_MAX });
  }

  override _read(): void {
    try {
      let more = true;
      while (more && !this.ended) more = this.push(this.produce());
    } catch (err) {
      this.destroy(err as Error);
    }
  }

  /** The next piece of the archive, or null at its end. */
  private produce(): Buffer | null {
    if (this.big) return this.bigPiece();
    if (this.next >= this.members.length) {
      if (!this.endWritten) {
        this.endWritten = true;
        return Buffer.alloc(TAR_END);
      }
      this.ended = true;
      return null;
    }
    const first = this.members[this.next]!;
    if (first.size > WHOLE_READ_MAX) {
      // its header now, its data in pieces
      this.next++;
      const head = Buffer.alloc(headerBytes(first));
      writeMemberHeader(head, 0, first);
      this.big = { m: first, fd: fs.openSync(first.sourcePath, 'r'), pos: 0 };
      return head;
    }
    // a run of small members, packed into one buffer
    let end = this.next;
    let bytes = 0;
    while (end < this.members.length) {
      const m = this.members[end]!;
      if (m.size > WHOLE_READ_MAX) break;
      const add = headerBytes(m) + padded(m.size);
      if (end > this.next && bytes + add > BATCH_BYTES) break;
      bytes += add;
      end++;
    }
    const last = end === this.members.length;
    const buf = Buffer.allocUnsafe(bytes + (last ? TAR_END : 0));
    let off = 0;
    for (let i = this.next; i < end; i++) {
      const m = this.members[i]!;
      const h = headerBytes(m);
      buf.fill(0, off, off + h);
      const data = writeMemberHeader(buf, off, m);
      readWholeInto(buf, data, m);
      off = data + padded(m.size);
      buf.fill(0, data + m.size, off);
    }
    if (last) {
      buf.fill(0, off, off + TAR_END);
      this.endWritten = true;
    }
    this.next = end;
    return buf;
  }

  private bigPiece(): Buffer {
    const b = this.big!;
    const len = Math.min(WHOLE_READ_MAX, b.m.size - b.pos);
    const done = b.pos + len === b.m.size;
    const pad = done ? padded(b.m.size) - b.m.size : 0;
    const trailer = done && this.next >= this.members.length ? TAR_END : 0;
    const buf = Buffer.allocUnsafe(len + pad + trailer);
    readExactly(b.fd, buf, 0, len, b.pos, b.m);
    buf.fill(0, len);
    b.pos += len;
    if (done) {
      fs.closeSync(b.fd);
      this.big = null;
      if (trailer) this.endWritten = true;
    }
    return buf;
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.big) {
      try {
        fs.closeSync(this.big.fd);
      } catch {
        /* already closed */
      }
      this.big = null;
    }
    cb(err);
  }
}

export function tarStream(members: readonly Member[]): Readable {
  return new TarReadable(members);
}
