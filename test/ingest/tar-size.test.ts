// The Content-Length of every shard PUT is computed before the first byte; it must equal what
// tar-stream produces for the same members, for plain, long, non-ASCII and odd-sized names.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extract } from 'tar-stream';
import { tarSize } from '../../main/engine/ingest/tar-size';
import { tarStream } from '../../main/engine/ingest/tar-pack';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-tar-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function member(name: string, size: number, i: number) {
  const p = path.join(dir, `f${i}`);
  fs.writeFileSync(p, Buffer.alloc(size, i % 251));
  return { sourcePath: p, batchName: name, size, mtimeMs: 1_700_000_000_123 };
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('tar size', () => {
  const names = [
    'a.jpg',
    'x'.repeat(96) + '.png', // exactly 100 bytes: still ustar
    'y'.repeat(97) + '.png', // 101 bytes: PAX
    'cams__north__img 001.JPG',
    'ünïcödé__日本語__写真.jpeg',
    '😀'.repeat(30) + '.webp',
    'z'.repeat(116) + '~0123abcd.jpg', // a shortened long name
  ];
  // Sizes around block boundaries and PAX record-length digit boundaries.
  const sizes = [1, 511, 512, 513, 1024, 70_000, 3];

  it('equals the bytes tar-stream produces, and every member reads back intact', async () => {
    const members = names.map((n, i) => member(n, sizes[i % sizes.length]!, i));
    const bytes = await collect(tarStream(members));
    expect(bytes.length).toBe(tarSize(members));

    const ex = extract();
    const seen: { name: string; size: number; ok: boolean }[] = [];
    const done = (async () => {
      for await (const entry of ex) {
        const body = await collect(entry as unknown as NodeJS.ReadableStream);
        const m = members.find((x) => x.batchName === entry.header.name)!;
        seen.push({ name: entry.header.name, size: body.length, ok: body.equals(fs.readFileSync(m.sourcePath)) });
      }
    })();
    ex.end(bytes);
    await done;
    expect(seen.map((s) => s.name)).toEqual(names);
    expect(seen.every((s) => s.ok)).toBe(true);
  });

  it('matches for PAX records whose length crosses a digit boundary', async () => {
    // " path=<name>\n" lengths near 99/100 and 999/1000 bytes exercise the self-counting length prefix.
    for (const len of [88, 89, 90, 91, 92, 93, 985, 986, 987, 988, 989, 990, 991, 992, 993, 994, 995]) {
      const name = 'p'.repeat(len - 4) + '.jpg';
      const m = [member(name, 10, len)];
      const bytes = await collect(tarStream(m));
      expect(bytes.length, `name of ${len} bytes`).toBe(tarSize(m));
    }
  });

  it('fails the stream when a file shrank after planning (the Content-Length would lie)', async () => {
    const m = member('shrunk.jpg', 5000, 99);
    fs.truncateSync(m.sourcePath, 100);
    await expect(collect(tarStream([m]))).rejects.toThrow();
  });
});
