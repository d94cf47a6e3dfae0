// A watch left running for weeks keeps its journal in proportion to what it must remember: the
// journal is compacted while the watch runs, a restart after it sends nothing again and loses
// nothing, and a kill -9 in the middle of a compaction resumes exactly.

import { spawn } from 'node:child_process';
import { buildSync } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../emulator/faults';
import { useScratch } from '../helpers/scratch';
import type { Engine } from '../../main/engine/pipeline/engine';
import { openLedger } from '../../main/engine/watch/ledger';
import { WatchManager } from '../../main/engine/watch/manager';
import { batchesOf, fakeEngine, sleep, spec, tempDir, until, writeImage } from './fake-engine';

const scratch = useScratch();
const running: { manager: WatchManager; engine: Engine }[] = [];
afterEach(async () => {
  for (const { manager, engine } of running.splice(0)) {
    await manager.close();
    await engine.close();
  }
});

async function startWatching(data: string) {
  const engine = fakeEngine(data);
  const manager = new WatchManager({ dataDir: data, engine, timing: { stableMs: 100, folderCheckMs: 150, pollIntervalMs: 100, seenFlushMs: 20 }, changeIntervalMs: 20 });
  running.push({ manager, engine });
  await manager.start();
  return { engine, manager };
}

function journalLines(file: string): number {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
}

describe('the journal of a watch that keeps running', () => {
  it('stays in proportion to the files it has seen, and a restart after compactions sends nothing again', async () => {
    const folder = tempDir('in');
    const data = tempDir('data');
    const out = tempDir('out');
    const { engine, manager } = await startWatching(data);
    const w = manager.add(spec(folder, out, { rule: { quietSeconds: 0.2, maxFiles: 25, maxMinutes: 10 } }));
    const journal = path.join(data, 'watches', w.id, 'journal.jsonl');
    const ROUNDS = 5;
    const PER_ROUND = 800;
    const after: { files: number; lines: number; bytes: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < PER_ROUND; i++) writeImage(folder, `cam${round}_${String(i).padStart(4, '0')}.jpg`);
      const files = (round + 1) * PER_ROUND;
      await until(() => batchesOf(engine, w.id).flat().length === files, `${files} files in batches`, 30_000);
      after.push({ files, lines: journalLines(journal), bytes: fs.statSync(journal).size });
    }
    // Unbounded, the journal would hold seen + stable per file and close + item per batch (~2.1 lines a
    // file, 8,300 lines here); compacted while running, it never holds more than 1.5 lines a file
    // (plus 1,000).
    for (const a of after) expect(a.lines, JSON.stringify(after)).toBeLessThanOrEqual(1.5 * (a.files + 1) + 1000);
    console.log(`journal after each round of ${PER_ROUND} files:`, JSON.stringify(after));

    const batches = batchesOf(engine, w.id).length;
    await manager.close();
    await engine.close();
    running.length = 0;

    // Restarted: every file already sent is known (none is batched again), the counter goes on.
    const again = await startWatching(data);
    await again.manager.idle();
    await sleep(800); // files taken again would have closed into a batch by now (stable 0.1 s + quiet 0.2 s)
    expect(batchesOf(again.engine, w.id)).toHaveLength(batches);
    for (const n of ['new-1.jpg', 'new-2.jpg', 'new-3.jpg']) writeImage(folder, n);
    await until(() => batchesOf(again.engine, w.id).length === batches + 1, 'the batch of new files');
    await sleep(500);
    const all = batchesOf(again.engine, w.id);
    expect(all).toHaveLength(batches + 1);
    expect(all[all.length - 1]!.sort()).toEqual(['new-1.jpg', 'new-2.jpg', 'new-3.jpg']);
    const names = all.flat();
    expect(new Set(names).size).toBe(names.length); // every file in exactly one batch
    expect(names).toHaveLength(ROUNDS * PER_ROUND + 3);
    expect(again.manager.get(w.id).batchesCreated).toBe(batches + 1);
    expect(again.engine.list().filter((i) => i.watchId === w.id).map((i) => Number(i.batchId.split('-').pop())).sort((a, z) => a - z)).toEqual(
      Array.from({ length: batches + 1 }, (_, i) => i + 1),
    );
  });
});

describe('kill -9 in the middle of a compaction', () => {
  const PER_BATCH = 50;
  const KILLS = 6;

  it('leaves the old or the new journal whole: every run resumes with every batch it had, exactly', async () => {
    const random = mulberry32(20261129);
    // Bundled once: a child through tsx would spend a second starting, each time.
    const childScript = path.join(scratch.dir('compaction-child'), 'child.mjs');
    buildSync({ entryPoints: ['test/watch/ledger-compaction-child.ts'], bundle: true, platform: 'node', format: 'esm', outfile: childScript, logLevel: 'error' });
    const dir = scratch.dir('compaction-kill');
    const file = path.join(dir, 'journal.jsonl');
    let durableSeq = 0;
    let killedMidSnapshot = 0;
    for (let run = 0; run < KILLS; run++) {
      const child = scratch.child(spawn(process.execPath, [childScript, file, String(PER_BATCH)], { stdio: ['ignore', 'pipe', 'inherit'] }));
      let out = '';
      const ended = new Promise<string | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
      // Killed a random 0-40 ms after a compaction starts: before, during or after its rename.
      child.stdout!.on('data', (c) => {
        const first = !/compacting/.test(out);
        out += c;
        if (first && /compacting/.test(out)) setTimeout(() => child.kill('SIGKILL'), Math.floor(random() * 40));
      });
      expect(await ended, out).toBe('SIGKILL');
      for (const m of out.matchAll(/compacting (\d+)/g)) durableSeq = Math.max(durableSeq, Number(m[1]));
      if (fs.readdirSync(dir).some((n) => n.endsWith('.tmp'))) killedMidSnapshot++;

      // The restart's view, as a watch opens it.
      const { ledger, journal } = await openLedger(file);
      journal.close();
      const seq = ledger.seq;
      expect(seq).toBeGreaterThanOrEqual(durableSeq); // nothing durable was lost
      durableSeq = seq;
      // Every file of batches 1..seq is known as sent, with its own size and mtime; nothing else is.
      expect(ledger.taken.size).toBe(seq * PER_BATCH);
      for (const [p, sig] of ledger.taken) {
        const [, batch, i] = /^\/cam\/(\d+)\/(\d+)\.jpg$/.exec(p)!;
        expect(Number(batch)).toBeLessThanOrEqual(seq);
        expect(sig).toBe(`${batch}:${i}`);
      }
      // Only the batch after it can be under way; only the last closed batch can lack its item.
      for (const p of [...ledger.open.keys(), ...ledger.seen.keys()]) expect(p.startsWith(`/cam/${seq + 1}/`), p).toBe(true);
      expect([...ledger.unmatched.keys()].every((b) => b === `cam-${seq}`)).toBe(true);
      expect(ledger.batchesCreated).toBe(seq - ledger.unmatched.size);
      // The journal is exactly what the ledger counts, and no temp file is left.
      expect(ledger.records).toBe(journalLines(file));
      expect(fs.readdirSync(dir)).toEqual(['journal.jsonl']);
    }
    console.log(`compaction kills: ${KILLS} runs, ${killedMidSnapshot} killed while writing the snapshot, last seq ${durableSeq}`);
    expect(killedMidSnapshot).toBeGreaterThan(0); // the kills did land inside compactions
  });
});
