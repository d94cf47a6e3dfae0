// Deterministic stand-in for a Roboflow Workflow, used by the emulator's job
// processing and by tests that need the expected output for a given file.
//
// Pure: the result depends only on the bytes (the file name is accepted for
// symmetry with the emulator's output rows but does not change the prediction).

import { createHash } from 'node:crypto';

export interface Detection {
  class: string;
  confidence: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Prediction {
  image: { width: number | null; height: number | null };
  predictions: Detection[];
}

export const PREDICTION_CLASSES = ['person', 'car', 'dog', 'cat', 'bicycle', 'bird'] as const;

/** Reads width/height from a PNG, JPEG or BMP header. null when unknown. */
export function imageDimensions(bytes: Buffer): { width: number; height: number } | null {
  // PNG: signature + IHDR
  if (
    bytes.length >= 24 &&
    bytes[0] === 0x89 &&
    bytes.toString('latin1', 1, 4) === 'PNG' &&
    bytes.toString('latin1', 12, 16) === 'IHDR'
  ) {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  // JPEG: walk the markers up to the first SOFn
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let i = 2;
    while (i + 4 <= bytes.length) {
      if (bytes[i] !== 0xff) return null;
      const marker = bytes[i + 1]!;
      if (marker === 0xff) {
        i += 1;
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        i += 2;
        continue;
      }
      if (marker === 0xd9 || marker === 0xda) return null;
      const len = bytes.readUInt16BE(i + 2);
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) {
        if (i + 9 > bytes.length) return null;
        return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
      }
      i += 2 + len;
    }
    return null;
  }
  // BMP: BITMAPINFOHEADER
  if (bytes.length >= 26 && bytes[0] === 0x42 && bytes[1] === 0x4d) {
    return { width: Math.abs(bytes.readInt32LE(18)), height: Math.abs(bytes.readInt32LE(22)) };
  }
  return null;
}

/** Prediction from a precomputed SHA-256 digest and the file's leading bytes (used for large videos). */
export function predictFromDigest(sha256: Buffer, head: Buffer): Prediction {
  const dims = imageDimensions(head);
  const w = dims?.width ?? 640;
  const h = dims?.height ?? 480;
  const n = sha256[0]! % 4;
  const round1 = (v: number) => Math.round(v * 10) / 10;
  const detections: Detection[] = [];
  for (let k = 0; k < n; k++) {
    const b = (j: number) => sha256[1 + k * 7 + j]!;
    const bw = Math.max(1, (w * (8 + (b(3) % 40))) / 100);
    const bh = Math.max(1, (h * (8 + (b(4) % 40))) / 100);
    const cx = bw / 2 + ((w - bw) * b(5)) / 255;
    const cy = bh / 2 + ((h - bh) * b(6)) / 255;
    detections.push({
      class: PREDICTION_CLASSES[b(0) % PREDICTION_CLASSES.length]!,
      confidence: Math.round((0.5 + (b(1) * 256 + b(2)) / 131070) * 1000) / 1000,
      x: round1(cx),
      y: round1(cy),
      width: round1(bw),
      height: round1(bh),
    });
  }
  return { image: { width: dims?.width ?? null, height: dims?.height ?? null }, predictions: detections };
}

/**
 * The emulator's stand-in Workflow output for one file of a batch.
 * `batchFileName` is the file's name in the batch; it does not influence the result.
 */
export function predictImage(bytes: Buffer, batchFileName: string): Prediction {
  void batchFileName;
  return predictFromDigest(createHash('sha256').update(bytes).digest(), bytes);
}
