// The shard packer writes byte for byte what tar-stream's packer writes for the same members
// (the emulator and the service parse either the same way; tar-size.ts counts them exactly).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pack as tarPack } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { tarStream } from '../../main/engine/ingest/tar-pack';
import { tarSize } from '../../main/engine/ingest/tar-size';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-tarpack-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function member(name: string, size: number, mtimeMs = 1_700_000_000_123 + n * 7919) {
  const p = path.join(dir, `f${n++}`);
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 997) data[i] = (i + n) & 0xff;
  fs.writeFileSync(p, data);
  return { sourcePath: p, batchName: name, size, mtimeMs };
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** What tar-stream writes for these members (the packer this one replaced). */
async function reference(members: ReturnType<typeof member>[]): Promise<Buffer> {
  const p = tarPack();
  const out = collect(p as unknown as NodeJS.ReadableStream);
  for (const m of members) {
    await new Promise<void>((resolve, reject) =>
      p.entry({ name: m.batchName, size: m.size, mode: 0o644, mtime: new Date(m.mtimeMs), type: 'file' }, fs.readFileSync(m.sourcePath), (e) => (e ? reject(e) : resolve())),
    );
  }
  p.finalize();
  return out;
}

describe('tar packer', () => {
  const names = [
    'a.jpg',
    'x'.repeat(96) + '.png',
    'y'.repeat(97) + '.png',
    'cams__north__img 001.JPG',
    'ünïcödé__日本語__写真.jpeg',
    '😀'.repeat(30) + '.webp',
    'p'.repeat(984) + '.jpg',
    'z'.repeat(116) + '~0123abcd.jpg',
  ];

  it('writes the same bytes as tar-stream for every name and size (small, block edges, large, empty)', async () => {
    const sizes = [0, 1, 511, 512, 513, 100_000, 262_144, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 5];
    const all = [];
    for (const s of sizes) for (const name of names) all.push(member(name, s));
    for (const members of [all, all.slice(0, 1), all.slice(-1), [], all.filter((m) => m.size < 1000), all.filter((m) => m.size > 1024 * 1024)]) {
      const got = await collect(tarStream(members));
      expect(got.length).toBe(tarSize(members));
      expect(got.equals(await reference(members))).toBe(true);
    }
  });

  it('packs 256-file shards of ~100 KB files as tar-stream did', async () => {
    const members = Array.from({ length: 256 }, (_, i) => member(`img_${String(i).padStart(6, '0')}.png`, 99_000 + i * 13, 1_700_000_000_000 + i * 1000));
    const got = await collect(tarStream(members));
    expect(got.equals(await reference(members))).toBe(true);
  });

  it('reads exactly the planned size and fails when a file shrank or vanished', async () => {
    const grown = member('grown.jpg', 2000);
    fs.appendFileSync(grown.sourcePath, Buffer.alloc(700, 1));
    const got = await collect(tarStream([grown]));
    expect(got.length).toBe(tarSize([grown]));
    for (const size of [5000, 2 * 1024 * 1024]) {
      const m = member('shrunk.jpg', size);
      fs.truncateSync(m.sourcePath, 100);
      await expect(collect(tarStream([member('ok.jpg', 10), m]))).rejects.toThrow(/shorter than planned/);
    }
    const gone = member('gone.jpg', 0);
    fs.rmSync(gone.sourcePath);
    await expect(collect(tarStream([gone]))).rejects.toThrow(/ENOENT/);
  });
});
