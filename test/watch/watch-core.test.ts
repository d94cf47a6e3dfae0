// The watch on a real file system with a real Engine whose steps do nothing: which files become
// batches, when, and that nothing is taken twice — across stops, crashes and a vanishing folder.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchManager } from '../../main/engine/watch/manager';
import type { Engine } from '../../main/engine/pipeline/engine';
import type { WatchSpec } from '../../shared/domain';
import { batchesOf, fakeEngine, sleep, spec, tempDir, until, writeImage } from './fake-engine';

const timing = { stableMs: 200, folderCheckMs: 150, pollIntervalMs: 100, seenFlushMs: 20 };
const open: { manager: WatchManager; engine: Engine }[] = [];

async function setup(over: Partial<WatchSpec> = {}, dirs?: { folder: string; data: string; out: string }) {
  const folder = dirs?.folder ?? tempDir('in');
  const data = dirs?.data ?? tempDir('data');
  const out = dirs?.out ?? tempDir('out');
  const engine = fakeEngine(data);
  const manager = new WatchManager({ dataDir: data, engine, timing, changeIntervalMs: 20 });
  open.push({ manager, engine });
  await manager.start();
  return { folder, data, out, engine, manager, spec: spec(folder, out, over) };
}

afterEach(async () => {
  for (const { manager, engine } of open.splice(0)) {
    await manager.close();
    await engine.close();
  }
});

const flat = (b: string[][]) => b.flat().sort();

describe('batching by the rule', () => {
  it('a burst is cut at max files and the rest closes after the quiet time', async () => {
    const t = await setup({ rule: { quietSeconds: 0.3, maxFiles: 10, maxMinutes: 10 } });
    const w = t.manager.add(t.spec);
    const names = Array.from({ length: 25 }, (_, i) => `img-${String(i).padStart(2, '0')}.jpg`);
    for (const n of names) writeImage(t.folder, n);
    const batches = await until(() => {
      const b = batchesOf(t.engine);
      return flat(b).length === 25 && b;
    }, '25 files in batches');
    expect(batches.map((b) => b.length).sort((a, z) => z - a)).toEqual([10, 10, 5]);
    expect(flat(batches)).toEqual(names);
    const s = t.manager.get(w.id);
    expect(s.batchesCreated).toBe(3);
    expect(s.pendingFiles).toBe(0);
    expect(s.lastBatchItemId).toBe(t.engine.list().find((i) => i.roots.length === 5)!.id);
    // Ids: prefix + watch tag + UTC stamp + counter, all different, counter 1..3.
    const ids = t.engine.list().map((i) => i.batchId).sort();
    const tag = w.id.slice(-6);
    for (const id of ids) expect(id).toMatch(new RegExp(`^${path.basename(t.folder).toLowerCase().replace(/[^a-z0-9_-]+/g, '-')}-${tag}-\\d{8}-\\d{6}-[123]$`));
    expect(new Set(ids.map((id) => id.split('-').pop())).size).toBe(3);
    // Each batch is a normal full-pipeline item with its own output folder and no fixed job id.
    const item = t.engine.get(t.engine.list()[0]!.id)!;
    expect(item.spec).toMatchObject({ pipeline: 'full', watchId: w.id, job: { workflowId: 'detect-things' } });
    expect(item.spec.outDir).toBe(path.join(t.out, item.batchId));
  });

  it('a trickle with short gaps stays one batch; a pause longer than the quiet time starts the next', async () => {
    const t = await setup({ rule: { quietSeconds: 1.2, maxFiles: 1000, maxMinutes: 10 } });
    t.manager.add(t.spec);
    for (let i = 0; i < 5; i++) {
      writeImage(t.folder, `a${i}.png`);
      await sleep(100);
    }
    await until(() => batchesOf(t.engine).length === 1, 'first batch');
    for (let i = 0; i < 3; i++) writeImage(t.folder, `b${i}.png`);
    const batches = await until(() => batchesOf(t.engine).length === 2 && batchesOf(t.engine), 'second batch');
    expect(batches.map((b) => b.sort())).toEqual([['a0.png', 'a1.png', 'a2.png', 'a3.png', 'a4.png'], ['b0.png', 'b1.png', 'b2.png']]);
  });

  it('a steady trickle is cut by max minutes even though it is never quiet', async () => {
    const t = await setup({ rule: { quietSeconds: 30, maxFiles: 1000, maxMinutes: 0.01 } }); // 0.6 s
    t.manager.add(t.spec);
    for (let i = 0; i < 16; i++) {
      writeImage(t.folder, `t${String(i).padStart(2, '0')}.jpg`);
      await sleep(100);
    }
    await until(() => flat(batchesOf(t.engine)).length === 16, 'all 16 files batched', 20_000);
    const batches = batchesOf(t.engine);
    expect(batches.length).toBeGreaterThanOrEqual(2);
    expect(new Set(flat(batches)).size).toBe(16);
  });
});

describe('which files are taken', () => {
  it('temporary names, dotfiles and non-media are ignored; a finished download is taken under its final name', async () => {
    const t = await setup();
    t.manager.add(t.spec);
    for (const n of ['a.jpg.part', 'b.tmp', 'c.jpg.crdownload', '~$d.jpg', '.e.jpg', 'f.txt', 'g.jpg', 'h.jpg.download']) writeImage(t.folder, n);
    writeImage(t.folder, '.hidden/i.jpg');
    await sleep(300);
    fs.renameSync(path.join(t.folder, 'a.jpg.part'), path.join(t.folder, 'a.jpg'));
    await until(() => flat(batchesOf(t.engine)).length >= 2, 'two files batched');
    await sleep(600); // anything else would have closed into a further batch by now
    expect(flat(batchesOf(t.engine))).toEqual(['a.jpg', 'g.jpg']);
  });

  it('a file still being written waits ("waiting for write to finish") and is taken only when complete', async () => {
    const t = await setup({ rule: { quietSeconds: 0.3, maxFiles: 1000, maxMinutes: 10 } });
    const w = t.manager.add(t.spec);
    const file = path.join(t.folder, 'slow.jpg');
    const chunk = Buffer.alloc(4096, 7);
    let sawWaiting = false;
    let closedEarly = false;
    t.manager.on('batch', () => {
      if (fs.statSync(file).size < 40 * chunk.length) closedEarly = true;
    });
    fs.writeFileSync(file, chunk);
    for (let i = 1; i < 40; i++) {
      await sleep(40); // well under the 200 ms stability time
      fs.appendFileSync(file, chunk);
      if (t.manager.get(w.id).waitingForWrite === 1) sawWaiting = true;
    }
    const batches = await until(() => batchesOf(t.engine).length === 1 && batchesOf(t.engine), 'the slow file batched');
    expect(batches).toEqual([['slow.jpg']]);
    expect(sawWaiting).toBe(true);
    expect(closedEarly).toBe(false);
    // The journal took it at its final size.
    const journal = fs.readFileSync(path.join(t.data, 'watches', w.id, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(journal.filter((r) => r.k === 'stable')).toEqual([expect.objectContaining({ p: file, s: 40 * chunk.length })]);
  });

  it('a file whose writer pauses after it joined the open batch leaves it, and is taken whole once it holds still again', async () => {
    const t = await setup({ rule: { quietSeconds: 0.5, maxFiles: 1000, maxMinutes: 10 } });
    const w = t.manager.add(t.spec);
    await t.manager.idle();
    const file = path.join(t.folder, 'paused-writer.jpg');
    const chunk = Buffer.alloc(4096, 7);
    let closedEarly = false;
    t.manager.on('batch', () => {
      if (fs.statSync(file).size < 30 * chunk.length) closedEarly = true;
    });
    fs.writeFileSync(file, chunk);
    // The writer stalls longer than the stability time: the first part joins the open batch.
    await until(() => {
      const s = t.manager.get(w.id);
      return s.pendingFiles === 1 && s.waitingForWrite === 0;
    }, 'the first part in the open batch');
    for (let i = 1; i < 30; i++) {
      fs.appendFileSync(file, chunk); // 1.5 s of writing: the 0.5 s quiet time would have closed the batch
      await sleep(50);
    }
    const batches = await until(() => batchesOf(t.engine).length === 1 && batchesOf(t.engine), 'the file batched');
    expect(batches).toEqual([['paused-writer.jpg']]);
    expect(closedEarly).toBe(false);
    await sleep(600);
    expect(batchesOf(t.engine)).toHaveLength(1);
    expect(t.manager.get(w.id).status).not.toMatch(/changed after being sent/);
  });

  it('a folder moved in whole, and a new folder filled at once, are taken complete (no wait for the periodic rescan)', async () => {
    const t = await setup({ rule: { quietSeconds: 0.3, maxFiles: 10_000, maxMinutes: 10 } });
    t.manager.add(t.spec);
    await t.manager.idle();
    const outside = tempDir('elsewhere');
    for (let i = 0; i < 20; i++) writeImage(outside, `deep/moved_${i}.jpg`);
    fs.renameSync(outside, path.join(t.folder, 'moved'));
    const fresh = path.join(t.folder, 'fresh');
    fs.mkdirSync(fresh);
    for (let i = 0; i < 400; i++) writeImage(fresh, `new_${i}.jpg`); // written while the folder's watch is being set up
    await until(() => flat(batchesOf(t.engine)).length === 420, '420 files batched', 20_000);
  });

  it('images only, videos only, or all media', async () => {
    const t = await setup({ filter: 'videos' });
    t.manager.add(t.spec);
    writeImage(t.folder, 'x.jpg');
    writeImage(t.folder, 'y.mp4');
    writeImage(t.folder, 'sub/z.MOV');
    await until(() => flat(batchesOf(t.engine)).length === 2, 'videos batched');
    await sleep(500);
    expect(flat(batchesOf(t.engine))).toEqual(['y.mp4', 'z.MOV']);
  });
});

describe('durable across stops and crashes', () => {
  it('files added while stopped are picked up at start; files already sent are not sent again', async () => {
    const a = await setup();
    const w = a.manager.add(a.spec);
    for (const n of ['1.jpg', '2.jpg', '3.jpg']) writeImage(a.folder, n);
    await until(() => flat(batchesOf(a.engine)).length === 3, 'first three');
    await a.manager.close();
    await a.engine.close();
    open.length = 0;

    writeImage(a.folder, '4.jpg');
    writeImage(a.folder, 'deep/5.jpg');
    const b = await setup({}, a);
    await until(() => flat(batchesOf(b.engine)).length === 5, 'the two new files', 10_000);
    await sleep(600);
    const batches = batchesOf(b.engine, w.id);
    expect(batches.map((x) => x.sort())).toEqual([['1.jpg', '2.jpg', '3.jpg'], ['4.jpg', '5.jpg']]);
    expect(b.manager.get(w.id).batchesCreated).toBe(2);
    // The counter continued: batch ids end -1 and -2.
    expect(b.engine.list().map((i) => i.batchId.split('-').pop()).sort()).toEqual(['1', '2']);
  });

  it('a batch closed in the journal but without its item gets exactly one item after a crash', async () => {
    const folder = tempDir('in');
    const data = tempDir('data');
    const out = tempDir('out');
    const files = ['p.jpg', 'q.jpg', 'r.jpg'].map((n) => writeImage(folder, n));
    const id = 'w-crash';
    const dir = path.join(data, 'watches', id);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'watch.json'), JSON.stringify({ id, spec: spec(folder, out), paused: false, createdAt: new Date().toISOString() }));
    const lines = files.map((p) => {
      const st = fs.statSync(p);
      return JSON.stringify({ k: 'stable', p, s: st.size, m: st.mtimeMs, t: Date.now() });
    });
    lines.push(JSON.stringify({ k: 'close', b: 'crash-20260101-000000-1', seq: 1, t: Date.now() }));
    fs.writeFileSync(path.join(dir, 'journal.jsonl'), lines.join('\n') + '\n{"k":"item","b":"cra'); // torn tail

    for (let run = 0; run < 2; run++) {
      const engine = fakeEngine(data);
      const manager = new WatchManager({ dataDir: data, engine, timing });
      await manager.start();
      await manager.idle();
      await sleep(500);
      expect(batchesOf(engine)).toEqual([['p.jpg', 'q.jpg', 'r.jpg']]);
      expect(engine.list()[0]!.batchId).toBe('crash-20260101-000000-1');
      await manager.close();
      await engine.close();
    }
  });

  it('a crash after the item was created but before it was journaled does not create a second item', async () => {
    const folder = tempDir('in');
    const data = tempDir('data');
    const out = tempDir('out');
    const p = writeImage(folder, 'only.jpg');
    const id = 'w-crash2';
    const dir = path.join(data, 'watches', id);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'watch.json'), JSON.stringify({ id, spec: spec(folder, out), paused: false, createdAt: new Date().toISOString() }));
    const st = fs.statSync(p);
    fs.writeFileSync(
      path.join(dir, 'journal.jsonl'),
      [{ k: 'stable', p, s: st.size, m: st.mtimeMs, t: Date.now() }, { k: 'close', b: 'x-20260101-000000-1', seq: 1, t: Date.now() }].map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
    const pre = fakeEngine(data);
    pre.add({ roots: [p], batchId: 'x-20260101-000000-1', pipeline: 'full', job: { workflowId: 'w' }, outDir: out, watchId: id });
    await pre.close();

    const engine = fakeEngine(data);
    const manager = new WatchManager({ dataDir: data, engine, timing });
    open.push({ manager, engine });
    await manager.start();
    await sleep(500);
    expect(engine.list()).toHaveLength(1);
    expect(manager.get(id).batchesCreated).toBe(1);
  });
});

describe('changes, pauses and a vanishing folder', () => {
  it('a file that changes after it was sent is reported and not sent again', async () => {
    const t = await setup();
    const w = t.manager.add(t.spec);
    writeImage(t.folder, 'k.jpg', 100);
    await until(() => batchesOf(t.engine).length === 1, 'first batch');
    writeImage(t.folder, 'k.jpg', 200);
    await until(() => /1 file changed after being sent/.test(t.manager.get(w.id).status), 'change reported');
    // how to send new versions, in the console and on the command line
    expect(t.manager.get(w.id).status).toMatch(/"re-send changed files" in the console, --resend-changed on the command line/);
    await sleep(600);
    expect(batchesOf(t.engine)).toEqual([['k.jpg']]);
  });

  it('with re-send on, a changed file goes into a new batch', async () => {
    const t = await setup({ reingestChanged: true });
    t.manager.add(t.spec);
    writeImage(t.folder, 'k.jpg', 100);
    await until(() => batchesOf(t.engine).length === 1, 'first batch');
    writeImage(t.folder, 'k.jpg', 200);
    await until(() => batchesOf(t.engine).length === 2, 'second batch');
    expect(batchesOf(t.engine)).toEqual([['k.jpg'], ['k.jpg']]);
  });

  it('paused: nothing is taken; on resume the files that came meanwhile are', async () => {
    const t = await setup();
    const w = t.manager.add(t.spec);
    await t.manager.idle();
    expect((await t.manager.pause(w.id)).state).toBe('paused');
    writeImage(t.folder, 'during-pause.jpg');
    await sleep(700);
    expect(batchesOf(t.engine)).toEqual([]);
    // The paused flag is saved: a restart keeps it paused.
    const saved = JSON.parse(fs.readFileSync(path.join(t.data, 'watches', w.id, 'watch.json'), 'utf8'));
    expect(saved.paused).toBe(true);
    expect((await t.manager.resume(w.id)).state).toBe('watching');
    await until(() => batchesOf(t.engine).length === 1, 'batch after resume');
    expect(batchesOf(t.engine)).toEqual([['during-pause.jpg']]);
  });

  it('a folder that disappears pauses the watch with a reason and resumes by itself when it is back', async () => {
    const t = await setup();
    const w = t.manager.add(t.spec);
    writeImage(t.folder, 'before.jpg');
    await until(() => batchesOf(t.engine).length === 1, 'first batch');
    const aside = t.folder + '-unplugged';
    fs.renameSync(t.folder, aside);
    const missing = await until(() => {
      const s = t.manager.get(w.id);
      return s.state === 'folder-missing' && s;
    }, 'folder-missing');
    expect(missing.status).toMatch(/not available .*resumes by itself/);
    writeImage(aside, 'while-away.jpg');
    fs.renameSync(aside, t.folder);
    await until(() => t.manager.get(w.id).state === 'watching', 'watching again');
    await until(() => batchesOf(t.engine).length === 2, 'second batch');
    await sleep(500);
    expect(batchesOf(t.engine)).toEqual([['before.jpg'], ['while-away.jpg']]);
  });
});
