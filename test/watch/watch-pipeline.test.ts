// A watch running the whole pipeline against the emulator (in-process, timeScale 0): files dropped
// in a burst and a trickle become batches by the rule, every file gets its row in the results, and
// the service receives each file exactly once.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import { fullEngine, png, readResults, startEmu, tmpDir } from '../jobs/helpers';
import { WatchManager } from '../../main/engine/watch/manager';
import type { Engine } from '../../main/engine/pipeline/engine';
import { sleep, spec, until } from './fake-engine';

let emu: Emulator | undefined;
const cleanup: (() => Promise<void>)[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await emu?.stop();
  emu = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Every file the service holds in the watch's input batches, by name, with how often it arrived. */
export async function receivedFiles(e: Emulator, batchIds: string[]): Promise<Map<string, number>> {
  const names = new Map<string, number>();
  for (const b of batchIds) {
    for (const f of (await e.inspect.files(b)) ?? []) names.set(f.name, (names.get(f.name) ?? 0) + f.receivedCount);
  }
  return names;
}

function allResults(outDir: string) {
  if (!fs.existsSync(outDir)) return [];
  return fs
    .readdirSync(outDir)
    .filter((d) => fs.existsSync(path.join(outDir, d, 'results.jsonl')))
    .flatMap((d) => readResults(path.join(outDir, d)));
}

describe('watch → pipeline → results', () => {
  it('a burst and a trickle: batches by the rule, a results row for every file, each file sent once', async () => {
    emu = await startEmu();
    const folder = tmpDir('watch-src');
    const data = tmpDir('watch-data');
    const out = tmpDir('watch-out');
    dirs.push(folder, data, out);
    const engine: Engine = fullEngine(emu, data);
    const manager = new WatchManager({ dataDir: data, engine, timing: { stableMs: 200, folderCheckMs: 200 } });
    cleanup.push(async () => {
      await manager.close();
      await engine.close();
    });
    await manager.start();
    const w = manager.add(spec(folder, out, { rule: { quietSeconds: 0.3, maxFiles: 8, maxMinutes: 10 }, batchPrefix: 'cam' }));

    const names: string[] = [];
    const drop = (i: number, sub = '') => {
      const name = `shot_${String(i).padStart(3, '0')}.png`;
      fs.mkdirSync(path.join(folder, sub), { recursive: true });
      fs.writeFileSync(path.join(folder, sub, name), png(i));
      names.push(name);
    };
    for (let i = 0; i < 12; i++) drop(i, i % 2 ? 'left' : ''); // burst: 8 + 4
    await until(() => manager.get(w.id).batchesCreated === 2, 'the burst in two batches');
    await sleep(400);
    for (let i = 12; i < 15; i++) {
      drop(i); // trickle, gaps well under the quiet time
      await sleep(60);
    }
    await until(() => manager.get(w.id).batchesCreated === 3, 'the trickle in a third batch');

    const items = engine.list().filter((i) => i.watchId === w.id);
    const finished = await Promise.all(items.map((i) => engine.waitFor(i.id)));
    expect(finished.map((i) => i.state)).toEqual(['done', 'done', 'done']);
    expect(items.map((i) => i.roots.length).sort()).toEqual([3, 4, 8]);
    for (const i of items) expect(i.batchId).toMatch(new RegExp(`^cam-${w.id.slice(-6)}-\\d{8}-\\d{6}-[123]$`));

    const rows = allResults(out);
    expect(rows.map((r) => path.basename(r.sourcePath!)).sort()).toEqual([...names].sort());
    expect(rows.every((r) => r.status === 'ok')).toBe(true);

    const received = await receivedFiles(emu, items.map((i) => i.batchId));
    expect([...received.keys()].sort()).toEqual([...names].sort());
    expect([...received.values()].every((n) => n === 1)).toBe(true);
  });
});
