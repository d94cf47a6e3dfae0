// Upload bodies read small files into reused slabs (chunk-pool.ts). A slab must never be reused
// while a byte of it can still be sent: these tests send tar shards over real sockets to a server
// that reads slowly (so the socket backs up and writes complete late), in parallel, and compare
// every received member with its file; and they check the slabs really are reused.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPooled, releaseChunk, SLAB_BYTES, SlabPool, sliceChunk, uploadSlabs } from '../../main/engine/ingest/chunk-pool';
import { putStream } from '../../main/engine/ingest/put';
import { tarStream } from '../../main/engine/ingest/tar-pack';
import { tarSize } from '../../main/engine/ingest/tar-size';
import { slowTarReceiver } from './slow-tar-receiver';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-pool-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('slab pool', () => {
  it('hands out disjoint views and reuses a slab only once it is retired and every view of it released', () => {
    const pool = new SlabPool();
    const a = pool.take(600 * 1024);
    const b = pool.take(300 * 1024); // same slab
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + a.length);
    const c = pool.take(200 * 1024); // does not fit: a second slab, the first retired
    expect(c.buffer).not.toBe(a.buffer);
    expect(pool.allocated).toBe(2);
    releaseChunk(a);
    expect(pool.freeSlabs).toBe(0); // b still live
    releaseChunk(a); // a second release of the same view changes nothing
    expect(pool.freeSlabs).toBe(0);
    releaseChunk(b);
    expect(pool.freeSlabs).toBe(1);
    const d = pool.take(SLAB_BYTES - c.length + 1); // does not fit beside c: the free slab
    expect(d.buffer).toBe(a.buffer);
    expect(pool.allocated).toBe(2);
    expect(isPooled(c) && isPooled(d)).toBe(true);
    expect(() => pool.take(SLAB_BYTES + 1)).toThrow(RangeError);
  });

  it('keeps the current slab out of the pool even when all its views are released', () => {
    const pool = new SlabPool();
    const a = pool.take(1000);
    releaseChunk(a);
    expect(pool.freeSlabs).toBe(0);
    const b = pool.take(1000);
    expect(b.byteOffset).toBe(a.byteOffset + 1000); // still carving the same slab, past a
  });
});

describe('slices of a pooled view', () => {
  it('share its memory, report each written slice, and give its slab back only once every slice is released', () => {
    const pool = new SlabPool();
    const view = pool.take(SLAB_BYTES - 10);
    pool.take(20); // retires the first slab: it goes back to the pool as soon as its view is released
    let written = 0;
    const slices = sliceChunk(view, 256 * 1024, () => written++);
    expect(slices.map((s) => s.length)).toEqual([262144, 262144, 262144, 262134]);
    expect(slices.every((s) => s.buffer === view.buffer)).toBe(true); // views, no copy
    expect(isPooled(view)).toBe(false); // the slices stand for it now
    for (const s of [slices[3]!, slices[0]!, slices[2]!]) releaseChunk(s);
    expect(written).toBe(3);
    expect(pool.freeSlabs).toBe(0); // a slice is still unwritten
    releaseChunk(slices[1]!);
    expect(written).toBe(4);
    expect(pool.freeSlabs).toBe(1);
  });
});

describe('pooled upload bodies over real sockets', () => {
  it('every member arrives intact through slowly read parallel PUTs, and the slabs are reused', async () => {
    // 3 shards x 120 files of 40-200 KB, every tenth 300 KB-1 MB (sent in slices), each file distinct
    const shards = Array.from({ length: 3 }, (_, s) =>
      Array.from({ length: 120 }, (_, i) => {
        const size = i % 10 === 0 ? 300_000 + ((i * 7919 + s * 104_729) % 700_000) : 40_000 + ((i * 7919 + s * 104_729) % 160_000);
        const p = path.join(dir, `s${s}-f${i}.png`);
        fs.writeFileSync(p, crypto.randomBytes(size));
        return { sourcePath: p, batchName: `s${s}-f${i}.png`, size, mtimeMs: Math.floor(fs.statSync(p).mtimeMs) };
      }),
    );
    const received = new Map<string, Buffer>();
    // read slowly: pause for a few ms every chunk, so the client's socket fills and its writes complete late
    const server = http.createServer(slowTarReceiver(received, () => 2));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const allocatedBefore = uploadSlabs.allocated;
    try {
      await Promise.all(
        shards.map((members, s) =>
          putStream({
            url: `http://127.0.0.1:${port}/shard${s}`,
            headers: {},
            contentLength: tarSize(members),
            body: tarStream(members),
            stallMs: 30_000,
          }),
        ),
      );
    } finally {
      server.close();
    }
    let bytes = 0;
    for (const m of shards.flat()) {
      const got = received.get(m.batchName);
      expect(got, m.batchName).toBeDefined();
      expect(got!.equals(fs.readFileSync(m.sourcePath)), m.batchName).toBe(true);
      bytes += m.size;
    }
    // ~43 MB of file data went through far fewer fresh slabs than it would fill
    expect(uploadSlabs.allocated - allocatedBefore).toBeLessThan(Math.ceil(bytes / SLAB_BYTES) / 2);
    expect(uploadSlabs.freeSlabs).toBeGreaterThan(0);
  }, 60_000);
});
