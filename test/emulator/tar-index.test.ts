// Indexing a shard in place (tar-index.ts) must accept and refuse exactly what streaming every
// member through tar-stream did. The oracle below is that streaming indexer as it was (each member
// copied to its own object by stageFile); both run on the same archives: well-formed ones written by
// tar-stream and by GNU tar in every format, and every truncation and many corruptions of them.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract as tarExtract } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { makeJpeg, makePng, makePngSet, makeTar } from './fixtures';
import { NOTIFICATION_CONFIG, stageFile, stageTar } from './indexer';
import { type ContentType, type FailedFile, MAX_FILES_PER_ARCHIVE, Store, readObject } from './store';

const root = mkdtempSync(join(tmpdir(), 'tar-index-'));
const store = new Store(join(root, 'store'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Outcome {
  error: string | null;
  seen: string[];
  failed: FailedFile[];
  staged: { name: string; size: number; sha256: string }[];
  ingestId?: string;
  notificationsURL?: string;
}

/** Writes a header block's checksum again after a test has edited the block (ustar: octal, NUL, space). */
function resealHeader(block: Buffer): Buffer {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return block;
}

async function drain(s: AsyncIterable<unknown>): Promise<void> {
  for await (const c of s) void c;
}

/** The streaming indexer this replaces, verbatim but for what it returns. */
async function oracle(tarPath: string, kind: ContentType): Promise<Outcome> {
  const out: Outcome = { error: null, seen: [], failed: [], staged: [] };
  const ex = tarExtract();
  const src = createReadStream(tarPath, { highWaterMark: 1 << 20 });
  let sawAnyByte = false;
  src.on('data', () => (sawAnyByte = true));
  src.on('error', (e) => ex.destroy(e));
  src.pipe(ex);
  let files = 0;
  try {
    for await (const entry of ex) {
      const h = entry.header;
      let name = h.name;
      while (name.startsWith('./')) name = name.slice(2);
      if (h.type === 'directory') {
        await drain(entry);
        continue;
      }
      if (name === NOTIFICATION_CONFIG) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(Buffer.from(c as Uint8Array));
        try {
          const cfg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          if (typeof cfg.ingestId === 'string') out.ingestId = cfg.ingestId;
          if (typeof cfg.notificationsURL === 'string') out.notificationsURL = cfg.notificationsURL;
        } catch {
          /* ignored */
        }
        continue;
      }
      files++;
      if (files > MAX_FILES_PER_ARCHIVE) throw new Error(`archive holds more than ${MAX_FILES_PER_ARCHIVE} files`);
      out.seen.push(name);
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        await drain(entry);
        out.failed.push({ type: 'unsupported-file-type', fileName: name, reason: `tar member of type "${String(h.type)}" is not a regular file` });
        continue;
      }
      const r = await stageFile(store, name, h.size ?? null, entry, kind);
      if ('objectId' in r) out.staged.push({ name: r.name, size: r.size, sha256: r.sha256! });
      else out.failed.push(r);
    }
  } catch (e) {
    src.destroy();
    return { error: `corrupt or unreadable tar archive: ${e instanceof Error ? e.message : String(e)}`, seen: [], failed: [], staged: [] };
  }
  if (!sawAnyByte) return { error: 'corrupt or unreadable tar archive: empty body', seen: [], failed: [], staged: [] };
  return out;
}

async function inPlace(tarPath: string, kind: ContentType): Promise<Outcome> {
  try {
    const r = await stageTar(store, tarPath, kind);
    const staged = [];
    for (const s of r.staged) {
      expect(s.path).toBe(tarPath);
      staged.push({ name: s.name, size: s.size, sha256: createHash('sha256').update(await readObject(s)).digest('hex') });
    }
    return { error: null, seen: r.seen, failed: r.failed, staged, ...(r.ingestId ? { ingestId: r.ingestId } : {}), ...(r.notificationsURL ? { notificationsURL: r.notificationsURL } : {}) };
  } catch (e) {
    return { error: (e as Error).message, seen: [], failed: [], staged: [] };
  }
}

let n = 0;
async function same(bytes: Buffer, kind: ContentType = 'images'): Promise<Outcome> {
  const p = join(root, `t${n++}.tar`);
  writeFileSync(p, bytes);
  const want = await oracle(p, kind);
  const got = await inPlace(p, kind);
  expect(got).toEqual(want);
  return got;
}

const mixed = [
  { name: `${'l'.repeat(150)}.png`, data: makePng({ seed: 'long' }) },
  { name: 'ünïcødé-名前.jpg', data: makeJpeg({ width: 20, height: 10, seed: 'u' }) },
  { name: NOTIFICATION_CONFIG, data: Buffer.from(JSON.stringify({ ingestId: 'ing-1', notificationsURL: 'https://example.com/hook' })) },
  { name: 'plain.png', data: makePng({ seed: 'plain', minBytes: 3000 }) },
  { name: 'empty.png', data: Buffer.alloc(0) },
  { name: 'text.png', data: Buffer.from('hello, not an image') },
  { name: 'readme.txt', data: makePng() },
  { name: 'dup.png', data: makePng({ seed: 'd1' }) },
  { name: 'dup.png', data: makePng({ seed: 'd2' }) },
  { name: 'bad\u0001name.png', data: makePng() },
  { name: 'exactly-512.png', data: makePng({ seed: 'e', minBytes: 512 }) },
];

function gnuTar(format: string, long = true): Buffer {
  const dir = mkdtempSync(join(root, `gnu-${format}-`));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, `${'x'.repeat(long ? 120 : 20)}.png`), makePng({ seed: 'gx' }));
  writeFileSync(join(dir, 'a.png'), makePng({ seed: 'ga', minBytes: 1500 }));
  writeFileSync(join(dir, 'sub', 'b.jpg'), makeJpeg({ seed: 'gb' }));
  writeFileSync(join(dir, 'zero.png'), Buffer.alloc(0));
  symlinkSync('a.png', join(dir, 'link.png'));
  return execFileSync('tar', [`--format=${format}`, '-cf', '-', '-C', dir, '--sort=name', '.']);
}

describe('in-place tar indexing', () => {
  it('reads well-formed shards exactly as streaming did (tar-stream, with and without PAX)', async () => {
    for (const pax of [false, true]) {
      const got = await same(await makeTar(mixed, { pax }));
      expect(got.error).toBeNull();
      expect(got.staged.map((s) => s.name)).toContain('plain.png');
      expect(got.ingestId).toBe('ing-1');
    }
    expect((await same(await makeTar(makePngSet(500, 'full')))).staged).toHaveLength(500);
    expect((await same(await makeTar(makePngSet(501, 'over')))).error).toMatch(/more than 500 files/);
    expect((await same(Buffer.alloc(0))).error).toMatch(/empty body/);
    expect((await same(Buffer.alloc(2048))).error).toBeNull();
  });

  it('reads GNU tar in every format as streaming did (long names, directories, symlinks, unknown format refused)', async () => {
    for (const format of ['gnu', 'oldgnu', 'pax', 'ustar', 'posix']) {
      let bytes: Buffer;
      try {
        bytes = gnuTar(format);
      } catch {
        continue; // e.g. a name too long for ustar
      }
      await same(bytes);
    }
    expect((await same(gnuTar('v7', false))).error).toMatch(/corrupt/);
  });

  it('refuses every truncation and corruption that streaming refused, and only those', async () => {
    const good = await makeTar(mixed.slice(0, 4), { pax: true });
    const cuts = new Set<number>();
    for (let i = 0; i <= good.length; i += 512) for (const d of [-1, 0, 1, 16]) if (i + d >= 0 && i + d <= good.length) cuts.add(i + d);
    for (let i = 0; i < good.length; i += 97) cuts.add(i);
    for (const cut of cuts) await same(good.subarray(0, cut));
    for (let i = 0; i < 2048; i += 13) {
      const bad = Buffer.from(good);
      bad[i] = bad[i]! ^ 0x5a;
      await same(bad);
    }
    await same(Buffer.concat([good, Buffer.alloc(512)]));
    await same(Buffer.concat([good, Buffer.alloc(100)]));
    await same(Buffer.concat([good, Buffer.alloc(512, 0x41)]));
    await same(Buffer.concat([good, await makeTar([{ name: 'after-end.png', data: makePng({ seed: 'ae' }) }])]));
  });

  it('honours PAX size and GNU long names applied to the next header only', async () => {
    const gnu = gnuTar('gnu');
    const got = await same(gnu);
    expect(got.staged.map((s) => s.name)).toContain(`${'x'.repeat(120)}.png`);
    // A PAX size smaller than the header's: the member is read with the PAX size.
    const png = makePng({ seed: 'ps', minBytes: 2000 });
    const t = await makeTar([{ name: 'q.png', data: png }], { pax: true });
    const rec = '14 path=q.png\n13 size=1000\n';
    const body = Buffer.alloc(512);
    body.write(rec);
    const hdr = Buffer.from(t.subarray(0, 512));
    hdr.write(rec.length.toString(8).padStart(11, '0') + ' ', 124, 'latin1');
    resealHeader(hdr);
    const shorter = await same(Buffer.concat([hdr, body, t.subarray(1024)]));
    expect(shorter.error).toMatch(/corrupt/); // the rest of the data is then read as a header
    const exact = await makeTar([{ name: 'q.png', data: png.subarray(0, 1000) }], { pax: true });
    const hq = Buffer.from(exact.subarray(0, 512));
    hq.write(rec.length.toString(8).padStart(11, '0') + ' ', 124, 'latin1');
    resealHeader(hq);
    const ok = await same(Buffer.concat([hq, body, exact.subarray(1024)]));
    expect(ok.staged).toEqual([{ name: 'q.png', size: 1000, sha256: createHash('sha256').update(png.subarray(0, 1000)).digest('hex') }]);
  });

  it('refuses a directory entry that carries data (streaming never finished such a shard)', async () => {
    const t = await makeTar([{ name: 'd.png', data: makePng({ seed: 'dir' }) }]);
    const h = Buffer.from(t.subarray(0, 512));
    h[156] = '5'.charCodeAt(0);
    resealHeader(h);
    const p = join(root, 'dir-with-data.tar');
    writeFileSync(p, Buffer.concat([h, t.subarray(512)]));
    await expect(stageTar(store, p, 'images')).rejects.toThrow(/corrupt or unreadable tar archive: directory entry "d.png" carries/);
  });

  it('keeps a shard file while any object indexed in it lives, and removes it with the last', async () => {
    const p = join(root, 'shared.tar');
    writeFileSync(p, await makeTar(makePngSet(2, 'keep')));
    const r = await stageTar(store, p, 'images');
    const batch = store.createBatch('keep', { displayName: 'keep', batchType: 'sharded-batch', batchContentType: 'images', mode: 'bulk' });
    for (const s of r.staged) {
      store.addFile(batch, { objectId: s.objectId, name: s.name, size: s.size, path: s.path, offset: s.offset, sha256: null, contentType: 'images', batchId: 'keep', createdAt: new Date() });
    }
    expect(store.holds(p)).toBe(true);
    store.dropObject(batch.files.items[0]!);
    expect(store.holds(p)).toBe(true);
    expect(existsSync(p)).toBe(true);
    store.deleteBatch('keep');
    expect(store.holds(p)).toBe(false);
    await new Promise((res) => setTimeout(res, 50));
    expect(existsSync(p)).toBe(false);
  });
});
