// The WatchManager as the desktop host uses it: add, update, remove with their events, saved
// watches started again on the next launch, polling mode, and a folder that cannot be read.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchManager } from '../../main/engine/watch/manager';
import type { Engine } from '../../main/engine/pipeline/engine';
import type { WatchSummary } from '../../shared/domain';
import { batchesOf, fakeEngine, sleep, spec, tempDir, until, writeImage } from './fake-engine';

const timing = { stableMs: 150, folderCheckMs: 150, pollIntervalMs: 80, seenFlushMs: 20 };
const open: { manager: WatchManager; engine: Engine }[] = [];
afterEach(async () => {
  for (const { manager, engine } of open.splice(0)) {
    await manager.close();
    await engine.close();
  }
});

function make(data: string, extra: { forcePolling?: boolean } = {}) {
  const engine = fakeEngine(data);
  const manager = new WatchManager({ dataDir: data, engine, timing, changeIntervalMs: 20, ...extra });
  open.push({ manager, engine });
  return { engine, manager };
}

describe('WatchManager', () => {
  it('rejects a spec it cannot run, with the reason', () => {
    const { manager } = make(tempDir('data'));
    const folder = tempDir('in');
    expect(() => manager.add(spec(folder, path.join(folder, 'results')))).toThrow(/must not be inside the watched folder/);
    expect(() => manager.add(spec(folder, tempDir('out'), { rule: { quietSeconds: 0, maxFiles: 5, maxMinutes: 1 } }))).toThrow(/Quiet seconds/);
    expect(() => manager.add({ ...spec(folder, tempDir('out')), job: { workflowId: '' } })).toThrow(/Workflow/);
    expect(manager.list()).toEqual([]);
  });

  it('emits changed summaries, applies an updated rule, and on remove stops and forgets the watch', async () => {
    const data = tempDir('data');
    const { manager, engine } = make(data);
    await manager.start();
    const folder = tempDir('in');
    const seen: WatchSummary[] = [];
    const removed: string[] = [];
    manager.on('changed', (s) => seen.push(s));
    manager.on('removed', ({ id }) => removed.push(id));
    const w = manager.add(spec(folder, tempDir('out'), { rule: { quietSeconds: 30, maxFiles: 1000, maxMinutes: 10 } }));
    expect(w).toMatchObject({ state: 'watching', status: expect.stringMatching(/^Starting to watch/), pendingFiles: 0, batchesCreated: 0 });
    writeImage(folder, 'one.jpg');
    const pending = await until(() => seen.find((s) => s.pendingFiles === 1 && s.waitingForWrite === 0 && s.nextCloseAt), 'an open batch with a close time');
    expect(Date.parse(pending.nextCloseAt!) - Date.now()).toBeGreaterThan(20_000); // 30 s quiet rule
    // A shorter quiet time applies to the open batch at once.
    const updated = await manager.update(w.id, spec(folder, pending.spec.outDir, { rule: { quietSeconds: 0.2, maxFiles: 1000, maxMinutes: 10 } }));
    expect(updated.spec.rule.quietSeconds).toBe(0.2);
    await until(() => batchesOf(engine).length === 1, 'batch closed by the new rule');
    await manager.remove(w.id);
    expect(removed).toEqual([w.id]);
    expect(fs.existsSync(path.join(data, 'watches', w.id))).toBe(false);
    expect(manager.list()).toEqual([]);
    writeImage(folder, 'two.jpg');
    await sleep(500);
    expect(batchesOf(engine)).toEqual([['one.jpg']]); // the item stays; nothing new is taken
  });

  it('saved watches start again on the next launch', async () => {
    const data = tempDir('data');
    const folder = tempDir('in');
    const first = make(data);
    await first.manager.start();
    const w = first.manager.add(spec(folder, tempDir('out')));
    await first.manager.pause(w.id);
    await first.manager.close();
    const second = make(data);
    await second.manager.start();
    expect(second.manager.list().map((s) => [s.id, s.state])).toEqual([[w.id, 'paused']]);
    writeImage(folder, 'later.jpg');
    await sleep(400);
    expect(batchesOf(second.engine)).toEqual([]); // still paused after the relaunch
    await second.manager.resume(w.id);
    await until(() => batchesOf(second.engine).length === 1, 'batch after relaunch');
  });

  it('refuses a second watch on a folder already watched (a symlink to it too), naming the first', async () => {
    const { manager, engine } = make(tempDir('data'));
    await manager.start();
    const folder = tempDir('in');
    const first = manager.add(spec(folder, tempDir('out')));
    const link = path.join(tempDir('links'), 'same');
    fs.symlinkSync(folder, link);
    for (const again of [folder, link]) {
      expect(() => manager.add(spec(again, tempDir('out')))).toThrow(`is already watched by watch ${first.id}`);
    }
    // Nor may another watch be moved onto it.
    const other = manager.add(spec(tempDir('in'), tempDir('out')));
    await expect(manager.update(other.id, spec(folder, tempDir('out')))).rejects.toThrow(first.id);
    expect(manager.list().map((w) => w.id).sort()).toEqual([first.id, other.id].sort());
    await manager.idle();
    writeImage(folder, 'once.jpg');
    await until(() => batchesOf(engine).length === 1, 'the batch');
    await sleep(500);
    expect(batchesOf(engine)).toEqual([['once.jpg']]); // sent once, not once per watch
  });

  it('refuses a watch on a folder inside or around one already watched: a watch covers its subfolders', async () => {
    const { manager } = make(tempDir('data'));
    await manager.start();
    const outer = tempDir('in');
    const inner = path.join(outer, 'north');
    fs.mkdirSync(inner);
    const first = manager.add(spec(inner, tempDir('out')));
    expect(() => manager.add(spec(outer, tempDir('out')))).toThrow(`${inner} is inside ${outer}, and watch ${first.id} watches one of them`);
    expect(() => manager.add(spec(path.join(inner, 'deeper'), tempDir('out')))).toThrow(/is inside .*files would be sent twice/);
    // A sibling whose name starts the same is not inside.
    const sibling = path.join(outer, 'north-2');
    fs.mkdirSync(sibling);
    expect(manager.add(spec(sibling, tempDir('out'))).id).not.toBe(first.id);
  });

  it('two watches with the same batch prefix never close a batch under the same id', async () => {
    const { manager, engine } = make(tempDir('data'));
    await manager.start();
    const a = path.join(tempDir('a'), 'cams');
    const b = path.join(tempDir('b'), 'cams');
    for (const d of [a, b]) fs.mkdirSync(d);
    manager.add(spec(a, tempDir('out')));
    manager.add(spec(b, tempDir('out')));
    await manager.idle();
    writeImage(a, 'from-a.jpg');
    writeImage(b, 'from-b.jpg');
    await until(() => batchesOf(engine).length === 2, 'one batch from each');
    const ids = engine.list().map((i) => i.batchId);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(id).toMatch(/^cams-[a-z0-9]+-\d{8}-\d{6}-1$/);
  });

  it('two updates at once leave one running watch: each new file is sent once', async () => {
    const { manager, engine } = make(tempDir('data'));
    await manager.start();
    const folder = tempDir('in');
    const out = tempDir('out');
    const w = manager.add(spec(folder, out));
    await manager.idle();
    const [, second] = await Promise.all([
      manager.update(w.id, spec(folder, out, { rule: { quietSeconds: 0.3, maxFiles: 500, maxMinutes: 10 } })),
      manager.update(w.id, spec(folder, out, { rule: { quietSeconds: 0.3, maxFiles: 900, maxMinutes: 10 } })),
    ]);
    expect(second.spec.rule.maxFiles).toBe(900);
    await manager.idle();
    writeImage(folder, 'after-updates.jpg');
    await until(() => batchesOf(engine).length >= 1, 'the batch');
    await sleep(600);
    expect(batchesOf(engine)).toEqual([['after-updates.jpg']]);
  });

  it('a watch whose journal cannot be opened says so, and starts by itself once it can', async () => {
    const data = tempDir('data');
    const folder = tempDir('in');
    const id = 'w-nojournal';
    const dir = path.join(data, 'watches', id);
    // A directory where the journal file should be: opening it fails, even for root.
    fs.mkdirSync(path.join(dir, 'journal.jsonl'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'watch.json'), JSON.stringify({ id, spec: spec(folder, tempDir('out')), paused: false, createdAt: new Date().toISOString() }));
    const { manager, engine } = make(data);
    await manager.start();
    const failed = await until(() => manager.get(id).state === 'error' && manager.get(id), 'the error state');
    expect(failed.status).toMatch(/cannot open its journal \(EISDIR.*\)\. It tries again by itself\./);
    fs.rmdirSync(path.join(dir, 'journal.jsonl'));
    await until(() => manager.get(id).state === 'watching' && !/Starting/.test(manager.get(id).status), 'watching after the retry');
    writeImage(folder, 'after-retry.jpg');
    await until(() => batchesOf(engine).length === 1, 'a batch once the journal opened');
    expect(batchesOf(engine)).toEqual([['after-retry.jpg']]);
  });

  it('polling mode takes files too, and says it is polling', async () => {
    const { manager, engine } = make(tempDir('data'), { forcePolling: true });
    await manager.start();
    const folder = tempDir('in');
    const w = manager.add(spec(folder, tempDir('out')));
    await manager.idle();
    expect(manager.get(w.id).state).toBe('polling');
    expect(manager.get(w.id).status).toMatch(/[Pp]olling/);
    await sleep(200);
    writeImage(folder, 'p1.jpg');
    writeImage(folder, 'deeper/p2.jpg');
    await until(() => batchesOf(engine).flat().length === 2, 'both files batched while polling');
    expect(batchesOf(engine).flat().sort()).toEqual(['p1.jpg', 'p2.jpg']);
  });
});
