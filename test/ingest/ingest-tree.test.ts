// A realistic tree into the emulator: nested folders, 2,000+ images across many shards, mixed-case
// extensions, unicode, spaces, 200-character names, names that collide once made batch-safe, every
// rejection reason, and a video batch. Afterwards every planned file is in its batch exactly once.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import type { Rejection } from '../../shared/domain';
import { readRejections, readShardRows, readFileRows, rejectionsCsv } from '../../main/engine/ingest/item-files';
import { readPlanSummary } from '../../main/engine/ingest/plan';
import type { ProgressDisplay } from '../../main/cli/progress-display';
import { reportJobOutcome } from '../../main/cli/run-item';
import { createEngine, expectExactlyOnce, makeTree, planEntries, png, runItem, startEmu, tmpDir, writeFile } from './helpers';

let emu: Emulator;
const dirs: string[] = [];
beforeAll(async () => {
  emu = await startEmu();
});
afterAll(async () => {
  await emu.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('ingest of a varied tree', () => {
  it('sends every image once, videos to their own batch, and gives every other file a reason', async () => {
    const src = tmpDir('src');
    const data = tmpDir('data');
    dirs.push(src, data);
    const root = path.join(src, 'cams');
    makeTree(path.join(root, 'bulk'), 2000, { dirs: 7, bytes: 700 });
    writeFile(root, 'north/img_001.jpg', png('n1'));
    writeFile(root, 'north/UPPER.PNG', png('u1'));
    writeFile(root, 'north/Mixed.JpG', png('m1'));
    writeFile(root, 'north/with space é 写真.png', png('w1'));
    writeFile(root, `long/${'x'.repeat(196)}.png`, png('long1'));
    writeFile(root, `long/${'y'.repeat(196)}.png`, png('long2'));
    // Folders that differ only by case, or by a character that gets replaced, collide as batch names.
    writeFile(root, 'Same/pic.png', png('c1'));
    writeFile(root, 'same/pic.png', png('c2'));
    writeFile(root, 'a:b/pic.png', png('c3'));
    writeFile(root, 'a_b/pic.png', png('c4'));
    // Rejections.
    writeFile(root, 'bad/notes.txt', 'not an image');
    // Looks like an image by name, but the service finds no image inside: rejected by the service.
    writeFile(root, 'bad/fake.png', 'this is text, not a PNG');
    writeFile(root, 'bad/empty.png', Buffer.alloc(0));
    const big = writeFile(root, 'bad/huge.png', png('h'));
    fs.truncateSync(big, 21 * 1024 * 1024);
    execFileSync('mkfifo', [path.join(root, 'bad', 'pipe.png')]);
    fs.symlinkSync(path.join(root, 'north', 'img_001.jpg'), path.join(root, 'bad', 'link.png'));
    writeFile(root, '.hidden/secret.png', png('hid'));
    writeFile(root, 'north/.DS_Store', 'junk');
    writeFile(root, 'north/Thumbs.db', 'junk');
    // Videos go to <batch>-videos.
    writeFile(root, 'clips/clip one.mp4', Buffer.alloc(3000, 7));
    writeFile(root, 'clips/Clip2.MOV', Buffer.alloc(5000, 9));
    // A single file given as a root, beside the folder.
    const single = writeFile(src, 'extra/single.webp', png('single'));

    const engine = createEngine(emu, data, {}, { shardFiles: 50 });
    const summary = await runItem(engine, { roots: [root, single], batchId: 'tree-batch' });
    await engine.close();
    expect(summary.error).toBeUndefined();
    expect(summary.state).toBe('done');
    expect(summary.videoBatchId).toBe('tree-batch-videos');

    const itemDir = engine.itemDir(summary.id);
    const entries = await planEntries(itemDir);
    const images = entries.filter((e) => e.kind === 'image');
    const videos = entries.filter((e) => e.kind === 'video');
    expect(images.length).toBe(2000 + 10 + 1 + 1);
    expect(videos.length).toBe(2);
    expect(readPlanSummary(itemDir)!.shards).toBeGreaterThanOrEqual(41);

    // Readable, stable names; unique case-insensitively; long ones shortened keeping the extension.
    const names = images.map((e) => e.batchName);
    expect(names).toContain('cams__north__img_001.jpg');
    expect(names).toContain('cams__north__with space é 写真.png');
    expect(names).toContain('single.webp');
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
    const longs = names.filter((n) => n.startsWith('cams__long__'));
    expect(longs).toHaveLength(2);
    for (const n of longs) {
      expect(n.length).toBeLessThanOrEqual(120);
      expect(n).toMatch(/~[0-9a-f]{8}\.png$/);
    }
    expect(longs[0]).not.toBe(longs[1]);

    const result = await expectExactlyOnce(emu, 'tree-batch', names.filter((n) => n !== 'cams__bad__fake.png'));
    expect(result).toEqual({ missing: [], duplicated: [], unexpected: [] });
    const videoResult = await expectExactlyOnce(emu, 'tree-batch-videos', videos.map((v) => v.batchName));
    expect(videoResult).toEqual({ missing: [], duplicated: [], unexpected: [] });

    const rejections: Rejection[] = [];
    for await (const r of readRejections(itemDir)) rejections.push(r);
    const reasonOf = (suffix: string) => rejections.find((r) => r.sourcePath.endsWith(suffix))?.reason;
    expect(reasonOf('notes.txt')).toBe('unsupported-type');
    expect(reasonOf('empty.png')).toBe('empty');
    expect(reasonOf('huge.png')).toBe('too-large');
    expect(reasonOf('pipe.png')).toBe('unreadable');
    expect(reasonOf('fake.png')).toBe('rejected-by-service');
    expect(rejections.find((r) => r.sourcePath.endsWith('fake.png'))?.message).toMatch(/unsupported-file-type/);
    expect(reasonOf('link.png')).toBe('symlink-skipped');
    expect(rejections.filter((r) => r.reason === 'renamed-collision')).toHaveLength(2);
    expect(rejections.some((r) => r.sourcePath.includes('.hidden') || r.sourcePath.endsWith('.DS_Store') || r.sourcePath.endsWith('Thumbs.db'))).toBe(false);
    // skipped, not rejected, but the hidden folder is said (the system clutter is not)
    expect(summary.warnings).toContainEqual(`1 hidden file(s) or folder(s) left out (names starting with "."), such as ${path.join(root, '.hidden')}.`);
    expect(summary.warnings.join(' ')).not.toMatch(/DS_Store|Thumbs/);
    for (const r of rejections) expect(r.message.length).toBeGreaterThan(10);

    // The operator's numbers: files sent, indexed as the service reports, rejections (renames are not rejections).
    expect(summary.progress.files).toEqual({ done: 2014, total: 2014 });
    expect(summary.progress.indexed).toEqual({ done: 2013, total: 2014 });
    expect(summary.progress.rejected).toBe(6);

    // UI readers.
    const shards = readShardRows(itemDir);
    expect(shards.every((s) => s.state === 'indexed')).toBe(true);
    expect(shards.reduce((a, s) => a + s.files, 0)).toBe(2012);
    const page = await readFileRows(itemDir, 0, 10, 'rejected');
    expect(page.total).toBe(6);
    expect(page.rows.map((r) => r.reason).every((r) => typeof r === 'string' && r.length > 0)).toBe(true);
    const all = await readFileRows(itemDir, 2000, 50);
    expect(all.total).toBe(2014 + 5);
    expect(all.rows.length).toBe(19);
    const csv = await rejectionsCsv(itemDir);
    // For spreadsheets, as results.csv: a byte order mark (Excel on Windows reads UTF-8 then), CRLF.
    expect(csv.split('\r\n')[0]).toBe('\uFEFFsource_path,reason,message');
    expect(csv).toContain('too-large');
  });

  it('follows symbolic links when asked, walks a folder reached twice once, and reports a loop instead of walking it forever', async () => {
    const src = tmpDir('links');
    const data = tmpDir('data');
    dirs.push(src, data);
    writeFile(src, '2026-11-29/a.png', png('la'));
    // A sibling, not an ancestor: `latest` leads to a folder the walk reaches anyway.
    fs.symlinkSync(path.join(src, '2026-11-29'), path.join(src, 'latest'));
    fs.symlinkSync(src, path.join(src, '2026-11-29', 'loop'));
    // A link whose target lies under a regular file (ENOTDIR): unreadable, not "does not exist".
    writeFile(src, 'notes.txt', 'text');
    fs.symlinkSync(path.join(src, 'notes.txt', 'x.png'), path.join(src, 'odd.png'));
    const engine = createEngine(emu, data, {}, { followSymlinks: true });
    const summary = await runItem(engine, { roots: [src], batchId: 'links-batch' });
    await engine.close();
    expect(summary.state).toBe('done');
    const entries = await planEntries(engine.itemDir(summary.id));
    expect(entries.map((e) => e.batchName)).toEqual([`${path.basename(src)}__2026-11-29__a.png`]);
    expect(await expectExactlyOnce(emu, 'links-batch', [`${path.basename(src)}__2026-11-29__a.png`])).toEqual({ missing: [], duplicated: [], unexpected: [] });
    const rejections: Rejection[] = [];
    for await (const r of readRejections(engine.itemDir(summary.id))) rejections.push(r);
    const about = (suffix: string) => rejections.find((r) => r.sourcePath.endsWith(suffix));
    expect(about('loop')?.reason).toBe('symlink-loop');
    expect(about('latest')).toMatchObject({ reason: 'symlink-skipped', message: `${path.join(src, 'latest')} is the same folder as ${path.join(src, '2026-11-29')}, already walked (symbolic links lead to it twice); its files are sent once.` });
    expect(about('odd.png')).toMatchObject({ reason: 'unreadable', message: expect.stringMatching(/target cannot be read \(ENOTDIR\)/) });
  });

  it('sends the files of overlapping roots once, and says which roots were left out', async () => {
    const src = tmpDir('overlap');
    const data = tmpDir('data');
    dirs.push(src, data);
    const cams = path.join(src, 'cams');
    writeFile(cams, 'north/x.jpg', png('ox'));
    writeFile(cams, 'south/y.jpg', png('oy'));
    fs.symlinkSync(cams, path.join(src, 'cams-link'));
    const roots = [path.join(cams, 'north'), cams, cams, path.join(src, 'cams-link')];
    const engine = createEngine(emu, data);
    const summary = await runItem(engine, { roots, batchId: 'overlap-batch' });
    await engine.close();
    expect(summary.state).toBe('done');
    const names = (await planEntries(engine.itemDir(summary.id))).map((e) => e.batchName);
    expect(names).toEqual(['cams__north__x.jpg', 'cams__south__y.jpg']);
    expect(await expectExactlyOnce(emu, 'overlap-batch', names)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    const rejections: Rejection[] = [];
    for await (const r of readRejections(engine.itemDir(summary.id))) rejections.push(r);
    expect(rejections).toEqual([]);
    expect(summary.progress.rejected).toBe(0);
    // Said once per root left out, on the item and by the command line.
    const warnings = [
      `${path.join(cams, 'north')} is inside ${cams}, also given; its files are sent once, as part of ${cams}.`,
      `${cams} was given more than once; its files are sent once.`,
      `${path.join(src, 'cams-link')} is the same as ${cams}, also given; its files are sent once.`,
    ];
    expect(summary.warnings).toEqual(warnings);
    const said: string[] = [];
    const display: ProgressDisplay = { item: () => undefined, progress: () => undefined, note: (t) => void said.push(t), close: () => undefined };
    expect(await reportJobOutcome(summary, engine.itemDir(summary.id), display, process.stderr, false)).toBe(0);
    expect(said.filter((l) => l.startsWith('warning: '))).toEqual(warnings.map((w) => `warning: ${w}`));
  });
});
