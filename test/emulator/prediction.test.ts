import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, makeJpeg, makePng } from './fixtures';
import { PREDICTION_CLASSES, imageDimensions, predictImage } from './prediction';
import { imageKindByMagic } from './store';

describe('fixtures', () => {
  it('makePng produces a structurally valid PNG with correct CRCs and pixel data', () => {
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082); // the well-known IEND chunk CRC
    const png = makePng({ width: 13, height: 5, seed: 'x' });
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    let pos = 8;
    const types: string[] = [];
    let idat = Buffer.alloc(0);
    while (pos < png.length) {
      const len = png.readUInt32BE(pos);
      const type = png.toString('latin1', pos + 4, pos + 8);
      const data = png.subarray(pos + 8, pos + 8 + len);
      expect(png.readUInt32BE(pos + 8 + len)).toBe(crc32(png.subarray(pos + 4, pos + 8 + len)));
      if (type === 'IDAT') idat = Buffer.concat([idat, data]);
      types.push(type);
      pos += 12 + len;
    }
    expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(inflateSync(idat).length).toBe((13 * 3 + 1) * 5);
    expect(makePng({ width: 13, height: 5, seed: 'x' }).equals(png)).toBe(true);
    expect(makePng({ width: 13, height: 5, seed: 'y' }).equals(png)).toBe(false);
  });

  it('makePng pads to minBytes', () => {
    const png = makePng({ minBytes: 5000 });
    expect(png.length).toBe(5000);
    expect(imageDimensions(png)).toEqual({ width: 8, height: 8 });
  });

  it('makeJpeg produces a JPEG with SOI/EOI and the requested size', () => {
    const j = makeJpeg({ width: 33, height: 17, seed: 1 });
    expect(j.subarray(0, 3).toString('hex')).toBe('ffd8ff');
    expect(j.subarray(-2).toString('hex')).toBe('ffd9');
    expect(imageKindByMagic(j)).toBe('jpeg');
    expect(imageDimensions(j)).toEqual({ width: 33, height: 17 });
    expect(makeJpeg({ width: 33, height: 17, seed: 2 }).equals(j)).toBe(false);
  });
});

describe('predictImage', () => {
  it('reads dimensions from PNG and JPEG headers, null otherwise', () => {
    expect(predictImage(makePng({ width: 21, height: 9 }), 'a.png').image).toEqual({ width: 21, height: 9 });
    expect(predictImage(makeJpeg({ width: 64, height: 48 }), 'a.jpg').image).toEqual({ width: 64, height: 48 });
    expect(predictImage(Buffer.from('not an image'), 'a.mp4').image).toEqual({ width: null, height: null });
  });

  it('is deterministic, seeded by content only, with 0–3 well-formed detections', () => {
    const counts = new Set<number>();
    const distinct = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const png = makePng({ width: 50, height: 40, seed: i });
      const p = predictImage(png, `f${i}.png`);
      expect(predictImage(png, 'other-name.png')).toEqual(p);
      expect(p.predictions.length).toBeGreaterThanOrEqual(0);
      expect(p.predictions.length).toBeLessThanOrEqual(3);
      counts.add(p.predictions.length);
      distinct.add(JSON.stringify(p.predictions));
      for (const d of p.predictions) {
        expect(PREDICTION_CLASSES).toContain(d.class);
        expect(d.confidence).toBeGreaterThanOrEqual(0.5);
        expect(d.confidence).toBeLessThanOrEqual(1);
        expect(d.width).toBeGreaterThan(0);
        expect(d.x - d.width / 2).toBeGreaterThanOrEqual(-0.1);
        expect(d.x + d.width / 2).toBeLessThanOrEqual(50.1);
        expect(d.y + d.height / 2).toBeLessThanOrEqual(40.1);
      }
    }
    expect([...counts].sort()).toEqual([0, 1, 2, 3]);
    expect(distinct.size).toBeGreaterThan(100);
  });
});
