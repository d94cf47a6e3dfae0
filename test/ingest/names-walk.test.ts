// Batch names and the walker: readable, stable, unique names; deterministic order; streaming walk
// of several roots; every skipped file accounted for.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_NAME, NameRegistry, baseBatchName, withSuffix } from '../../main/engine/ingest/batch-names';
import { PLAN_FILE, PLAN_SUMMARY_FILE, SHARDS_FILE, buildPlan, readPlanEntries, readScanRejections, readShardsWithEntries } from '../../main/engine/ingest/plan';
import { distinctRoots } from '../../main/engine/walk/roots';
import { walkBatches, type BatchItem, type WalkOptions } from '../../main/engine/walk/walker';
import { openAfterClose } from '../helpers/open-files';
import { png, tmpDir, writeFile } from './helpers';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The walk one item at a time, in walk order. */
async function* walk(roots: string[], opts?: WalkOptions): AsyncGenerator<BatchItem> {
  for await (const batch of walkBatches(roots, opts)) yield* batch;
}

async function collect(it: AsyncIterable<BatchItem>): Promise<BatchItem[]> {
  const out: BatchItem[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('batch names', () => {
  it('are derived from the relative path, readable, non-ASCII kept', () => {
    expect(baseBatchName(['cams', 'north', 'img_001.jpg'])).toBe('cams__north__img_001.jpg');
    expect(baseBatchName(['Fotos', 'Straße', 'été 写真.PNG'])).toBe('Fotos__Straße__été 写真.PNG');
    expect(baseBatchName(['a:b', 'c?d', 'e*f.png'])).toBe('a_b__c_d__e_f.png');
    // NFD input (as macOS file systems give it) gives the same name as NFC.
    expect(baseBatchName(['e\u0301t\u0065\u0301.png'])).toBe(baseBatchName(['\u00e9t\u00e9.png']));
  });

  it('shortens long names with a hash suffix that keeps the extension, and never splits a character', () => {
    const long = baseBatchName(['root', 'x'.repeat(300) + '.jpeg']);
    expect(long.length).toBeLessThanOrEqual(MAX_BATCH_NAME);
    expect(long).toMatch(/^root__x+~[0-9a-f]{8}\.jpeg$/);
    expect(baseBatchName(['root', 'x'.repeat(300) + '.jpeg'])).toBe(long); // stable
    expect(baseBatchName(['root', 'x'.repeat(299) + 'y.jpeg'])).not.toBe(long);
    const emoji = baseBatchName(['😀'.repeat(200) + '.png']);
    expect(emoji.length).toBeLessThanOrEqual(MAX_BATCH_NAME);
    expect(() => encodeURIComponent(emoji)).not.toThrow(); // no lone surrogate
    expect(withSuffix('abc.png', '~1')).toBe('abc~1.png');
  });

  it('are unique case-insensitively, renames deterministic', () => {
    const a = new NameRegistry();
    expect(a.claim('cams__x.png', '/s/cams/x.png')).toBe('cams__x.png');
    const second = a.claim('CAMS__x.png', '/s/CAMS/x.png');
    expect(second).not.toBe('CAMS__x.png');
    expect(second).toMatch(/^CAMS__x~[0-9a-f]{6}\.png$/);
    const b = new NameRegistry();
    b.claim('cams__x.png', '/s/cams/x.png');
    expect(b.claim('CAMS__x.png', '/s/CAMS/x.png')).toBe(second);
  });
});

describe('walker', () => {
  it('walks several roots (folders and single files) in a deterministic, depth-first sorted order', async () => {
    const root = tmpDir('walk');
    dirs.push(root);
    for (const rel of ['b/2.png', 'b/1.png', 'a/z/9.jpg', 'a/0.JPG', 'c.webp', 'B/x.png']) writeFile(root, rel, png(rel));
    const single = writeFile(root, 'elsewhere/solo.png', png('solo'));
    const items = await collect(walk([path.join(root, 'a'), path.join(root, 'b'), single, path.join(root, 'B')]));
    const rels = items.map((i) => (i.type === 'file' ? [...i.folder.segments, i.name].join('/') : `!${i.rejection.reason}`));
    expect(rels).toEqual(['a/0.JPG', 'a/z/9.jpg', 'b/1.png', 'b/2.png', 'solo.png', 'B/x.png']);
    const again = await collect(walk([path.join(root, 'a'), path.join(root, 'b'), single, path.join(root, 'B')]));
    expect(again.map((i) => (i.type === 'file' ? i.sourcePath : ''))).toEqual(items.map((i) => (i.type === 'file' ? i.sourcePath : '')));
  });

  it('reports a file that vanishes between listing and stat', async () => {
    const root = tmpDir('vanish');
    dirs.push(root);
    for (let i = 0; i < 80; i++) writeFile(root, `f/${String(i).padStart(3, '0')}.png`, png(i));
    const out: BatchItem[] = [];
    for await (const item of walk([root], { batchSize: 32 })) {
      // The folder is listed; files are stat'ed in batches of 32: remove one from a later batch.
      if (out.length === 0) fs.rmSync(path.join(root, 'f', '070.png'));
      out.push(item);
    }
    const gone = out.find((i) => i.type === 'rejected' && i.rejection.sourcePath.endsWith('070.png'));
    expect(gone?.type === 'rejected' && gone.rejection.reason).toBe('vanished');
    expect(out.filter((i) => i.type === 'file')).toHaveLength(79);
  });

  it('says by how much an image is too large, also just over the limit', async () => {
    const root = tmpDir('too-large');
    dirs.push(root);
    fs.truncateSync(writeFile(root, 'edge.png', png('e')), 20 * 1024 * 1024 + 1);
    const [edge] = await collect(walk([root]));
    expect(edge).toMatchObject({ type: 'rejected', rejection: { reason: 'too-large' } });
    expect((edge as { rejection: { message: string } }).rejection.message).toMatch(/edge\.png is 20\.0 MiB \(20,971,521 bytes\); the service accepts images up to 20 MiB \(20,971,520 bytes\)\.$/);
  });

  it('reports a file whose name is not valid UTF-8 as unreadable, saying why, not as vanished', async () => {
    const root = tmpDir('latin1');
    dirs.push(root);
    // Latin-1 names as an SMB share or a zip archive leaves them: "café.jpg" with é as the byte 0xe9.
    const latin1 = (name: string) => Buffer.from(name, 'latin1');
    fs.writeFileSync(Buffer.concat([Buffer.from(root + '/'), latin1('caf\u00e9.jpg')]), png('latin1'));
    fs.mkdirSync(Buffer.concat([Buffer.from(root + '/'), latin1('d\u00e9p\u00f4t')]));
    writeFile(root, 'ok.png', png('ok'));
    writeFile(root, 'real \uFFFD.png', png('fffd')); // a real U+FFFD in a valid name is sent
    const items = await collect(walk([root]));
    const files = items.filter((i) => i.type === 'file').map((i) => (i.type === 'file' ? i.name : ''));
    expect(files).toEqual(['ok.png', 'real \uFFFD.png']);
    const rejections = items.flatMap((i) => (i.type === 'rejected' ? [i.rejection] : []));
    expect(rejections).toHaveLength(2);
    for (const r of rejections) {
      expect(r.reason).toBe('unreadable');
      expect(r.message).toMatch(/its name is not valid UTF-8 .*; rename it to send it\.$/);
    }
  });

  it('leaves out a root another root covers, but not one the walk would skip (a hidden folder) or a mere name prefix', async () => {
    const root = tmpDir('roots');
    dirs.push(root);
    for (const rel of ['a/x.png', 'a b/y.png', 'a/.snap/z.png', 'a/sub/w.png']) writeFile(root, rel, png(rel));
    const r = (rel: string) => path.join(root, rel);
    const { roots, notes } = await distinctRoots([r('a/sub'), r('a/.snap'), r('a b'), r('a'), r('a/sub/w.png'), r('missing')]);
    expect(roots).toEqual([r('a/.snap'), r('a b'), r('a'), r('missing')]);
    expect(notes).toEqual([
      `${r('a/sub')} is inside ${r('a')}, also given; its files are sent once, as part of ${r('a')}.`,
      `${r('a/sub/w.png')} is inside ${r('a')}, also given; its files are sent once, as part of ${r('a')}.`,
    ]);
  });

  it('writes the plan as it walks and does not redo a complete plan', async () => {
    const root = tmpDir('plan');
    const item = tmpDir('item');
    dirs.push(root, item);
    for (let i = 0; i < 30; i++) writeFile(root, `p/${i}.png`, png(i, 2000));
    writeFile(root, 'p/readme.md', 'x');
    const s1 = await buildPlan(item, { roots: [root], followSymlinks: false, shardFiles: 7, shardBytes: 1 << 30 });
    expect(s1).toMatchObject({ images: 30, shards: 5, rejected: 1 });
    writeFile(root, 'p/new.png', png('new'));
    const s2 = await buildPlan(item, { roots: [root], followSymlinks: false, shardFiles: 7, shardBytes: 1 << 30 });
    expect(s2).toEqual(s1);
    const entries = [];
    for await (const e of readPlanEntries(item)) entries.push(e);
    expect(entries.map((e) => e.shard)).toEqual(entries.map((_, i) => Math.floor(i / 7)));
    const rej = [];
    for await (const r of readScanRejections(item)) rej.push(r);
    expect(rej).toEqual([expect.objectContaining({ reason: 'unsupported-type' })]);
    // Byte limit: shards close before exceeding it.
    const item2 = tmpDir('item2');
    dirs.push(item2);
    const s3 = await buildPlan(item2, { roots: [root], followSymlinks: false, shardFiles: 500, shardBytes: 10 * 1024 });
    expect(s3.shards).toBeGreaterThan(5);
  });

  it('names each planned file exactly as baseBatchName of its path (the per-folder shortcut included)', async () => {
    const root = tmpDir('names');
    const item = tmpDir('item-names');
    dirs.push(root, item);
    const rels: string[] = [];
    // Around the 120-character limit, from the folder's side and the file's side; unsafe and non-ASCII characters.
    for (const d of ['a', 'x'.repeat(50), 'y'.repeat(105), 'z'.repeat(130), 'Cafe\u0301 :*?', 'deep/er/still']) {
      for (const f of ['1.png', `${'n'.repeat(60)}.png`, `${'m'.repeat(130)}.jpg`, 'ü<>|.png', `${'k'.repeat(8)}.jpeg`]) rels.push(`${d}/${f}`);
    }
    for (let n = 100; n <= 125; n++) rels.push(`edge/${'e'.repeat(n - 'names-xxxxxx__edge__'.length - 4)}.png`);
    for (const rel of rels) writeFile(root, rel, png(rel));
    await buildPlan(item, { roots: [root], followSymlinks: false, shardFiles: 500, shardBytes: 1 << 30 });
    const entries = [];
    for await (const e of readPlanEntries(item)) entries.push(e);
    expect(entries).toHaveLength(rels.length);
    for (const e of entries) {
      const segments = [path.basename(root), ...path.relative(root, e.sourcePath).split(path.sep)];
      expect(e.batchName).toBe(baseBatchName(segments));
    }
  });

  it('lets the event loop run while it walks (no long synchronous stretch)', async () => {
    const root = tmpDir('slices');
    dirs.push(root);
    for (let i = 0; i < 4000; i++) writeFile(root, `s/${i}.png`, png(i, 64));
    let turns = 0;
    let longest = 0;
    let last = performance.now();
    const tick = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      turns++;
      timer = setImmediate(tick);
    };
    let timer = setImmediate(tick);
    let files = 0;
    const t0 = performance.now();
    for await (const item of walk([root])) if (item.type === 'file') files++;
    const took = performance.now() - t0;
    clearImmediate(timer);
    expect(files).toBe(4000);
    // Slices of about a millisecond: many turns, none far apart. (Stat'ing the whole folder in one
    // stretch, as the walk once did, makes the longest gap most of the walk.) Generous for loaded machines.
    expect(turns).toBeGreaterThan(Math.min(10, took / 5));
    expect(longest).toBeLessThan(took / 3);
  });
});

describe('plan readers', () => {
  it('leave no file open when the upload stops after the first shard', async () => {
    const item = tmpDir('plan-fd');
    dirs.push(item);
    // Larger than what is read ahead, so neither file is read to its end (which would close it anyway).
    const n = 20000;
    const entry = (i: number) => JSON.stringify({ index: i, sourcePath: `/src/${'p'.repeat(80)}/${i}.png`, batchName: `${i}.png`, size: 1, mtimeMs: 0, kind: 'image', shard: i });
    fs.writeFileSync(path.join(item, PLAN_FILE), Array.from({ length: n }, (_, i) => entry(i) + '\n').join(''));
    fs.writeFileSync(path.join(item, SHARDS_FILE), Array.from({ length: n }, (_, i) => JSON.stringify({ index: i, first: i, files: 1, fileBytes: 1, tarBytes: 2048, pad: 'x'.repeat(80) }) + '\n').join(''));
    fs.writeFileSync(path.join(item, PLAN_SUMMARY_FILE), JSON.stringify({ version: 1, images: n }));
    for await (const { shard } of readShardsWithEntries(item)) {
      expect(shard.index).toBe(0);
      await new Promise((r) => setTimeout(r, 50)); // sending the shard while the readers read ahead
      break; // paused, cancelled or failed midway
    }
    expect(await openAfterClose(path.join(item, PLAN_FILE))).toBe(0);
    expect(await openAfterClose(path.join(item, SHARDS_FILE))).toBe(0);
  });
});
