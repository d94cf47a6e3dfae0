// kill -9 of the real `batch-desk watch` at seeded random moments while files keep arriving, then
// the same command again: every file ends up in exactly one batch, the service receives it once,
// and every file has its results row. SIGTERM at the end stops cleanly with exit code 0.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import type { Emulator } from '../emulator/server';
import { cliEnv, png, readResults, startEmu } from '../jobs/helpers';
import type { LedgerRecord } from '../../main/engine/watch/ledger';
import { sleep, until } from './fake-engine';
import { mulberry32 } from '../emulator/faults';

const CLI = path.resolve('dist/cli.js');
const FILES = 20;
const RUNS = Number(process.env.WATCH_KILL_RUNS ?? 10);

let emu: Emulator | undefined;
const scratch = useScratch();

function startWatch(folder: string, out: string, data: string) {
  const args = [CLI, 'watch', folder, '--workflow-id', 'wf', '--out', out, '--quiet-seconds', '0.3', '--max-files', '6', '--stable-seconds', '0.15'];
  args.push('--batch-prefix', 'kill', '--api-url', emu!.url, '--data-dir', data, '--json');
  const child = spawn(process.execPath, args, { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  scratch.child(child);
  let out_ = '';
  let err = '';
  const t0 = Date.now();
  child.stdout!.on('data', (c) => {
    out_ += c;
    if (process.env.WATCH_KILL_TRACE) for (const l of String(c).split('\n').filter(Boolean)) console.log(Date.now() - t0, l.slice(0, 160));
  });
  child.stderr!.on('data', (c) => (err += c));
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, out: out_, err })),
  );
  /** Resolves once the watch runs (its signal handlers are in place), or the process ended. */
  const ready = async () => {
    while (!out_.includes('"type":"watch"') && child.exitCode === null && child.signalCode === null) await sleep(20);
  };
  return { child, done, ready };
}

function resultNames(out: string): string[] {
  if (!fs.existsSync(out)) return [];
  return fs
    .readdirSync(out)
    .filter((d) => fs.existsSync(path.join(out, d, 'results.jsonl')))
    .flatMap((d) => readResults(path.join(out, d)).filter((r) => r.status === 'ok').map((r) => path.basename(r.sourcePath!)));
}

/** How many closed batches each file is in, from the watch journal (the same replay the watch does). */
function batchMembership(data: string): Map<string, number> {
  const watches = path.join(data, 'watches');
  const counts = new Map<string, number>();
  // A kill inside the very first save can leave a folder without watch.json (only its temp file);
  // the next start ignores it and creates the watch afresh. Exactly one watch has a journal.
  const journals = fs.readdirSync(watches).map((id) => path.join(watches, id, 'journal.jsonl')).filter((j) => fs.existsSync(j));
  expect(journals).toHaveLength(1);
  for (const journal of journals) {
    const open = new Set<string>();
    const lines = fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean);
    for (const line of lines) {
      const r = JSON.parse(line) as LedgerRecord;
      if (r.k === 'stable') open.add(r.p);
      else if (r.k === 'drop') open.delete(r.p);
      else if (r.k === 'close') {
        for (const p of open) counts.set(path.basename(p), (counts.get(path.basename(p)) ?? 0) + 1);
        open.clear();
      }
    }
  }
  return counts;
}

describe('kill -9 during a watch, then start it again', () => {
  for (let seed = 1; seed <= RUNS; seed++) {
    it(`seed ${seed}: every file in exactly one batch, received once, with its results`, async () => {
      const random = mulberry32(seed * 7919); // seeded, so a failing run can be replayed
      emu = scratch.server(await startEmu());
      const folder = scratch.dir('wk-src');
      const data = scratch.dir('wk-data');
      const out = scratch.dir('wk-out');
      const names = Array.from({ length: FILES }, (_, i) => `s${seed}_f${String(i).padStart(3, '0')}.png`);

      // Files arrive in seeded bursts and gaps, also while the command is down.
      const dropping = (async () => {
        let i = 0;
        while (i < names.length) {
          const burst = 1 + Math.floor(random() * 5);
          for (let k = 0; k < burst && i < names.length; k++, i++) fs.writeFileSync(path.join(folder, names[i]!), png(`${seed}-${i}`));
          await sleep(Math.floor(random() * 350));
        }
      })();

      let run = startWatch(folder, out, data);
      const kills = 2 + Math.floor(random() * 2);
      for (let k = 0; k < kills; k++) {
        await sleep(300 + Math.floor(random() * 1500));
        run.child.kill('SIGKILL');
        const r = await run.done;
        expect(r.signal, r.err).toBe('SIGKILL'); // it was still running: the kill landed mid-watch
        await sleep(Math.floor(random() * 300));
        run = startWatch(folder, out, data);
      }
      await dropping;
      await until(() => resultNames(out).length >= FILES, `results for all ${FILES} files`, 60_000);
      await run.ready();
      await sleep(300); // anything taken twice would surface as a further batch by now
      run.child.kill('SIGTERM');
      const last = await run.done;
      expect(last.code, last.err).toBe(0);
      expect(last.out).toMatch(/"type":"stopped"/);

      // Results: one ok row per file.
      expect(resultNames(out).sort()).toEqual(names);
      // The watch journal: each file in exactly one closed batch.
      const membership = batchMembership(data);
      expect([...membership.keys()].sort()).toEqual(names);
      expect([...membership.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      // The service: each file name received once across all batches of the run.
      const received = new Map<string, number>();
      for (const b of emu.inspect.batches().filter((x) => x.batchId.startsWith('kill-'))) {
        for (const f of (await emu.inspect.files(b.batchId)) ?? []) received.set(f.name, (received.get(f.name) ?? 0) + f.receivedCount);
      }
      expect([...received.keys()].sort()).toEqual(names);
      expect([...received.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    });
  }
});
