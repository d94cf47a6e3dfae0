// Files of a type the official client sends but the service may not take (its accepted types are
// undocumented, roboflow-api.md 7.3): sent as the CLI would, then reported per file with the
// service's reason, while the rest of the item goes through.

import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import type { Rejection } from '../../shared/domain';
import { readRejections } from '../../main/engine/ingest/item-files';
import { createEngine, png, runItem, startEmu, writeFile } from './helpers';

const scratch = useScratch();

it('reports images and videos of types the service refuses, and sends the rest', async () => {
  const emu = scratch.server(await startEmu());
  const src = scratch.dir('types-src');
  for (const name of ['a.png', 'b.jpg', 'c.webp']) writeFile(src, name, png(name));
  writeFile(src, 'old.dib', png('dib'));
  writeFile(src, 'old.jpe', png('jpe'));
  fs.writeFileSync(path.join(src, 'clip.mp4'), Buffer.alloc(3000, 1));
  fs.writeFileSync(path.join(src, 'clip.webm'), Buffer.alloc(3000, 2));
  const engine = createEngine(emu, scratch.dir('types-data'));
  const s = await runItem(engine, { roots: [src], batchId: 'types-batch' });
  await engine.close();
  expect(s.error?.message).toBeUndefined();
  expect(s.state).toBe('done');

  const rejections: Rejection[] = [];
  for await (const r of readRejections(engine.itemDir(s.id))) rejections.push(r);
  const byFile = Object.fromEntries(rejections.map((r) => [path.basename(r.sourcePath), r]));
  expect(Object.keys(byFile).sort()).toEqual(['clip.webm', 'old.dib', 'old.jpe']);
  for (const r of rejections) {
    expect(r.reason).toBe('rejected-by-service');
    expect(r.message).toMatch(/\(unsupported-file-type\): .*(extension|unsupported)/);
  }
  expect(((await emu.inspect.files('types-batch')) ?? []).map((f) => f.name.replace(/^.*__/, '')).sort()).toEqual(['a.png', 'b.jpg', 'c.webp']);
  expect(((await emu.inspect.files('types-batch-videos')) ?? []).map((f) => f.name.replace(/^.*__/, ''))).toEqual(['clip.mp4']);
});

it('counts a refused video once, and out of the files to send, when resumed after a crash that followed its refusal', async () => {
  const emu = scratch.server(await startEmu());
  const src = scratch.dir('types-src');
  for (const name of ['a.png', 'b.jpg']) writeFile(src, name, png(name));
  fs.writeFileSync(path.join(src, 'clip.webm'), Buffer.alloc(3000, 2));
  const dataDir = scratch.dir('types-data');
  const first = createEngine(emu, dataDir);
  const done = await runItem(first, { roots: [src], batchId: 'types-resume' });
  await first.close();
  expect(done.progress.files).toMatchObject({ done: 2, total: 2 });

  // As if killed just after the refused video's piece was journaled failed, the upload step not yet done.
  const itemDir = first.itemDir(done.id);
  const journalFile = path.join(itemDir, 'ingest.jsonl');
  const lines = fs.readFileSync(journalFile, 'utf8').split('\n').filter(Boolean);
  const failed = lines.findIndex((l) => JSON.parse(l).t === 'failed');
  fs.writeFileSync(journalFile, lines.slice(0, failed + 1).join('\n') + '\n');
  const itemFile = path.join(itemDir, 'item.json');
  const item = JSON.parse(fs.readFileSync(itemFile, 'utf8'));
  Object.assign(item, { state: 'running', stage: 'upload' });
  Object.assign(item.stages, { upload: 'active', indexing: 'pending', done: 'pending' });
  fs.writeFileSync(itemFile, JSON.stringify(item));

  const again = createEngine(emu, dataDir);
  again.resumeAll();
  const resumed = await again.waitFor(done.id);
  await again.close();
  expect(resumed.state).toBe('done');
  expect(resumed.progress.files).toMatchObject({ done: 2, total: 2 });
  expect(resumed.progress.rejected).toBe(1);
});
