// kill -9 at any moment, then `resume`: nothing is sent twice, nothing is missing. 20 runs of the
// real CLI (node dist/cli.js, built by the global setup) against the emulator in this process, each
// killed with SIGKILL at a seeded random moment of its upload (some also killed during resume).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import { mulberry32 } from '../emulator/faults';
import { IngestState } from '../../main/engine/ingest/ingest-journal';
import { KEY, expectExactlyOnce, makeTree, planEntries, startEmu, tmpDir } from './helpers';

const CLI = path.resolve('dist/cli.js');
const RUNS = 20;
const dirs: string[] = [];
let emu: Emulator;
let src: string;

beforeAll(async () => {
  emu = await startEmu();
  src = tmpDir('crash-src');
  dirs.push(src);
  makeTree(src, 120, { dirs: 4, bytes: 800 });
});
afterAll(async () => {
  await emu.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; when killAfterMs is set, SIGKILLs it that long after its first upload progress line. */
function cli(args: string[], dataDir: string, killAfterMs?: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args, '--json'], {
      env: {
        ...process.env,
        ROBOFLOW_API_KEY: KEY,
        ROBOFLOW_API_URL: emu.url,
        BATCH_DESK_DATA_DIR: dataDir,
        BATCH_DESK_RECONCILE_GRACE_MS: '0',
        BATCH_DESK_POLL_MIN_MS: '10',
        BATCH_DESK_POLL_MAX_MS: '100',
        BATCH_DESK_RETRY_BASE_MS: '20',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let armed = false;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (killAfterMs !== undefined && !armed && /"stage":"upload"/.test(stdout)) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function pool<T>(n: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

describe('crash and resume', () => {
  it(`${RUNS} runs killed at random moments all end exactly once`, async () => {
    const rnd = mulberry32(20260601);
    const plans = Array.from({ length: RUNS }, (_, i) => ({ i, kill: Math.floor(rnd() * 700), killResume: i % 4 === 3 ? Math.floor(rnd() * 300) : undefined }));
    const results = await pool(
      2,
      plans.map((p) => async () => {
        const data = tmpDir(`crash-data-${p.i}`);
        dirs.push(data);
        const batchId = `crash-${p.i}`;
        const first = await cli(['ingest', src, '--batch-id', batchId, '--shard-files', '10', '--concurrency', '4'], data, p.kill);
        const killed = first.signal === 'SIGKILL';
        let last = first;
        let resumes = 0;
        if (killed && p.killResume !== undefined) {
          last = await cli(['resume'], data, p.killResume);
          resumes++;
        }
        while ((killed || last.code !== 0) && resumes < 6) {
          last = await cli(['resume'], data);
          resumes++;
          if (last.code === 0) break;
        }
        const items = fs.readdirSync(path.join(data, 'items'));
        const itemDir = path.join(data, 'items', items[0]!);
        const names = (await planEntries(itemDir)).map((e) => e.batchName);
        const check = await expectExactlyOnce(emu, batchId, names);
        const pieces = [...IngestState.load(itemDir).pieces.values()];
        // Pieces that were in flight at a kill and had to be checked with the service before any resend.
        const reconciled = pieces.filter((x) => x.reconciled).length;
        const resent = pieces.filter((x) => x.attempts > 1).length;
        return { ...p, killed, code: last.code, resumes, names: names.length, check, reconciled, resent, stderr: last.stderr };
      }),
    );
    for (const r of results) {
      expect(r.code, `run ${r.i}: ${r.stderr}`).toBe(0);
      expect(r.names, `run ${r.i}`).toBe(120);
      expect(r.check, `run ${r.i} (killed after ${r.kill} ms)`).toEqual({ missing: [], duplicated: [], unexpected: [] });
    }
    // Most runs really were killed mid-way, with PUTs in flight that had to be reconciled or resent.
    expect(results.filter((r) => r.killed).length).toBeGreaterThanOrEqual(RUNS / 2);
    expect(results.reduce((a, r) => a + r.resent, 0)).toBeGreaterThan(0);
    console.log(JSON.stringify(results.map(({ i, kill, killed, resumes, reconciled, resent }) => ({ i, kill, killed, resumes, reconciled, resent }))));
  }, 180_000);
});
