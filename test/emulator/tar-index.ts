// Walks a stored tar shard in place: positional reads of its 512-byte headers (and PAX / GNU long
// name records), and of each member's first bytes, never its data. This is the structure walk of
// tar-stream's extractor, step for step, with the same header decoder, so an archive is accepted or
// refused exactly as when it was streamed through tar-stream:
//   - a header with a bad checksum or of unknown format is refused (the decoder throws);
//   - all-zero blocks are skipped wherever they are (reading goes on to the end of the file);
//   - PAX records apply to the next header only (merged over the global ones), GNU long names too;
//     a PAX `size` overrides the header's size; a long-name record over 4 MiB is refused;
//   - every member's data and padding, and every header, must lie wholly inside the file, and the
//     file must end exactly at a block boundary: anything else is "Unexpected end of data".
// One deliberate difference: a directory entry that declares data hangs tar-stream's extractor
// (its entry never ends); here it is refused as corrupt.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface TarHeader {
  name: string;
  size: number;
  type: string | null;
  linkname: string | null;
  pax: Record<string, string> | null;
}

interface HeaderCodec {
  decode(buf: Buffer, filenameEncoding: string, allowUnknownFormat: boolean): TarHeader | null;
  decodeLongPath(buf: Buffer, encoding: string): string;
  decodePax(buf: Buffer): Record<string, string>;
}

// tar-stream's own header codec (not in its package exports, hence the path).
const require = createRequire(import.meta.url);
const codec = require(join(dirname(require.resolve('tar-stream')), 'headers.js')) as HeaderCodec;

const BLOCK = 512;
const MAX_HEADER_SIZE = 4 * 1024 * 1024; // as tar-stream
const WINDOW = 16 * 1024;

export interface TarMember {
  /** the header after PAX / GNU long names were applied */
  header: TarHeader;
  /** where the member's data starts in the file */
  dataOffset: number;
  /** the member's first bytes (up to `headBytes` of its data) */
  head: Buffer;
}

function overflow(size: number): number {
  const r = size & 511;
  return r && BLOCK - r;
}

/** Positional reads through a small window (headers of small members often share one read). */
class Reader {
  private buf = Buffer.allocUnsafe(WINDOW);
  private start = 0;
  private end = 0;
  /** Bytes read past the ones asked for, for the headers and members that follow (at most WINDOW). */
  readAhead = WINDOW;
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  /** `len` bytes at `pos`; the caller has checked they lie inside the file. The view is valid until the next call. */
  at(pos: number, len: number): Buffer {
    if (pos >= this.start && pos + len <= this.end) return this.buf.subarray(pos - this.start, pos - this.start + len);
    const target = len > WINDOW ? Buffer.allocUnsafe(len) : this.buf;
    const want = Math.min(Math.max(len, this.readAhead), target.length, this.size - pos);
    let got = 0;
    while (got < want) {
      const n = readSync(this.fd, target, got, want - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    if (got < len) throw new Error('Unexpected end of data');
    if (target === this.buf) {
      this.start = pos;
      this.end = pos + got;
    } else {
      this.start = this.end = 0;
    }
    return target.subarray(0, len);
  }
}

/**
 * Calls `visit` for every entry of the archive, in order (directories included), with the entry's
 * header, data offset and first `headBytes` bytes. `visit` may ask for the whole data of a (small)
 * entry with `readData`. Throws, with tar-stream's messages, when the archive is corrupt or truncated.
 */
export function walkTar(
  path: string,
  headBytes: number,
  visit: (m: TarMember, readData: () => Buffer) => void,
): void {
  const fd = openSync(path, 'r');
  try {
    const r = new Reader(fd, fstatSync(fd).size);
    const total = r.size;
    let pos = 0;
    let pax: Record<string, string> | null = null;
    let paxGlobal: Record<string, string> | null = null;
    let gnuLongPath: string | null = null;
    let gnuLongLinkPath: string | null = null;
    while (pos < total) {
      if (total - pos < BLOCK) throw new Error('Unexpected end of data');
      const header = codec.decode(r.at(pos, BLOCK), 'utf-8', false);
      pos += BLOCK;
      if (!header) continue;
      switch (header.type) {
        case 'gnu-long-path':
        case 'gnu-long-link-path':
        case 'pax-global-header':
        case 'pax-header': {
          if (header.size > MAX_HEADER_SIZE) throw new Error('Header exceeds max size');
          if (!(header.size >= 0) || pos + header.size + overflow(header.size) > total) throw new Error('Unexpected end of data');
          const buf = r.at(pos, header.size);
          if (header.type === 'gnu-long-path') gnuLongPath = codec.decodeLongPath(buf, 'utf-8');
          else if (header.type === 'gnu-long-link-path') gnuLongLinkPath = codec.decodeLongPath(buf, 'utf-8');
          else if (header.type === 'pax-global-header') paxGlobal = codec.decodePax(buf);
          else pax = paxGlobal === null ? codec.decodePax(buf) : Object.assign({}, paxGlobal, codec.decodePax(buf));
          pos += header.size + overflow(header.size);
          continue;
        }
      }
      if (gnuLongPath) {
        header.name = gnuLongPath;
        gnuLongPath = null;
      }
      if (gnuLongLinkPath) {
        header.linkname = gnuLongLinkPath;
        gnuLongLinkPath = null;
      }
      if (pax) {
        if (pax.path) header.name = pax.path;
        if (pax.linkpath) header.linkname = pax.linkpath;
        if (pax.size) header.size = parseInt(pax.size, 10);
        header.pax = pax;
        pax = null;
      }
      if (!(header.size >= 0)) throw new Error('Invalid header');
      const dataOffset = pos;
      if (header.type === 'directory') {
        if (header.size > 0) throw new Error(`directory entry "${header.name}" carries ${header.size} bytes of data`);
        visit({ header, dataOffset, head: Buffer.alloc(0) }, () => Buffer.alloc(0));
        continue;
      }
      const size = header.size;
      const end = dataOffset + size + overflow(size);
      const inside = end <= total;
      const headLen = Math.min(headBytes, size, Math.max(0, total - dataOffset));
      const head = Buffer.from(r.at(dataOffset, headLen));
      visit({ header, dataOffset, head }, () => {
        if (dataOffset + size > total) throw new Error('Unexpected end of data');
        return Buffer.from(r.at(dataOffset, size));
      });
      if (!inside) throw new Error('Unexpected end of data');
      pos = end;
      // after a member larger than the window, the next header is not in it: read that header and
      // the next member's first bytes (1 KiB), not 16 KiB of data nobody looks at
      r.readAhead = size >= WINDOW ? 2 * BLOCK : WINDOW;
    }
  } finally {
    closeSync(fd);
  }
}
