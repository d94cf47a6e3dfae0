// Small deterministic test fixtures: valid PNG / JPEG bytes and tar shards.
// Reusable by any test in the project.

import { crc32 as zlibCrc32, deflateSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { mulberry32, seedFor } from './faults';

/** CRC-32 (as used by PNG chunks). */
export function crc32(buf: Buffer): number {
  return zlibCrc32(buf) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

export interface PngOptions {
  width?: number;
  height?: number;
  /** Content seed: different seeds give different pixels (and so different predictions). */
  seed?: number | string;
  /** Pad the file to at least this many bytes with a private ancillary chunk (still a valid PNG). */
  minBytes?: number;
}

/** A valid RGB PNG with deterministic pseudo-random pixels. */
export function makePng(opts: PngOptions = {}): Buffer {
  const width = opts.width ?? 8;
  const height = opts.height ?? 8;
  const rnd = mulberry32(seedFor(0, `png:${String(opts.seed ?? 0)}`));
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width * 3; x++) raw[row + 1 + x] = Math.floor(rnd() * 256);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  const parts = [
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
  ];
  const base = parts.reduce((n, p) => n + p.length, 0) + 12; // + IEND
  if (opts.minBytes !== undefined && opts.minBytes > base) {
    const padLen = Math.max(0, opts.minBytes - base - 12);
    parts.push(pngChunk('pdDg', Buffer.alloc(padLen, 0x5a)));
  }
  parts.push(pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

export interface JpegOptions {
  width?: number;
  height?: number;
  seed?: number | string;
}

// Standard (Annex K) luminance Huffman tables.
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_VALS = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14,
  0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09,
  0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a,
  0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65,
  0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
  0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9,
  0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
  0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
  0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];

function segment(marker: number, data: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0xff;
  head[1] = marker;
  head.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([head, data]);
}

/**
 * A valid baseline greyscale JPEG of the given size (uniform grey; every block
 * is DC diff 0 + EOB). The seed goes into a COM segment so contents differ.
 */
export function makeJpeg(opts: JpegOptions = {}): Buffer {
  const width = opts.width ?? 8;
  const height = opts.height ?? 8;
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const app0 = Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const dqt = Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 1)]);
  const sof = Buffer.alloc(9);
  sof[0] = 8;
  sof.writeUInt16BE(height, 1);
  sof.writeUInt16BE(width, 3);
  sof[5] = 1; // components
  sof[6] = 1; // id
  sof[7] = 0x11; // sampling
  sof[8] = 0; // quant table
  const dht = Buffer.concat([
    Buffer.from([0x00]),
    Buffer.from(DC_BITS),
    Buffer.from(DC_VALS),
    Buffer.from([0x10]),
    Buffer.from(AC_BITS),
    Buffer.from(AC_VALS),
  ]);
  const sos = Buffer.from([1, 1, 0x00, 0, 63, 0]);
  // Entropy data: per block "00" (DC category 0) + "1010" (AC EOB) = 6 bits.
  const bits: number[] = [];
  for (let b = 0; b < blocks; b++) bits.push(0, 0, 1, 0, 1, 0);
  while (bits.length % 8 !== 0) bits.push(1);
  const data = Buffer.alloc(bits.length / 8);
  for (let i = 0; i < data.length; i++) {
    let v = 0;
    for (let k = 0; k < 8; k++) v = (v << 1) | bits[i * 8 + k]!;
    data[i] = v; // the 001010 pattern never yields 0xFF, so no byte stuffing is needed
  }
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, app0),
    segment(0xfe, Buffer.from(`batch-desk fixture seed=${String(opts.seed ?? 0)}`, 'utf8')),
    segment(0xdb, dqt),
    segment(0xc0, sof),
    segment(0xc4, dht),
    segment(0xda, sos),
    data,
    Buffer.from([0xff, 0xd9]),
  ]);
}

export interface TarEntry {
  name: string;
  data: Buffer;
  /** mtime in seconds; a non-integer value forces a PAX header like Python's tarfile writes. */
  mtime?: number;
}

/**
 * Build an uncompressed tar in memory (members at the root, like the CLI's shards).
 * With `pax: true` every member gets a PAX extended header (as Python's default format does).
 */
export async function makeTar(entries: TarEntry[], opts: { pax?: boolean } = {}): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    p.on('data', (c: unknown) => {
      chunks.push(Buffer.from(c as Uint8Array));
    });
    p.on('end', () => resolve(Buffer.concat(chunks)));
    p.on('error', reject);
  });
  for (const e of entries) {
    const mtime = e.mtime ?? 1_700_000_000.25;
    const header = {
      name: e.name,
      size: e.data.length,
      mode: 0o644,
      mtime: new Date(Math.floor(mtime) * 1000),
      ...(opts.pax ? { pax: { mtime: String(mtime) } } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      p.entry(header, e.data, (err?: Error | null) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  return done;
}

/** `count` distinct small PNGs named `<prefix>-<i>.png`. */
export function makePngSet(count: number, prefix = 'img'): TarEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${String(i).padStart(4, '0')}.png`,
    data: makePng({ width: 8 + (i % 5), height: 6 + (i % 3), seed: `${prefix}-${i}` }),
  }));
}
