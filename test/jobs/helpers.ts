// Shared by the jobs tests: an in-process Engine running the whole pipeline (real ingest steps and
// job steps, tuned for speed) against the emulator, and readers for the results.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Emulator } from '../emulator/server';
import { FAST, KEY } from '../ingest/helpers';
import { Engine } from '../../main/engine/pipeline/engine';
import { createIngestSteps } from '../../main/engine/ingest/steps';
import { createJobSteps } from '../../main/engine/jobs/steps';
import { RoboflowClient } from '../../main/engine/roboflow/client';
import { defaultSettings } from '../../main/engine/settings';
import type { ResultRow } from '../../main/engine/export/results-join';
import type { TransferSettings } from '../../shared/domain';
import type { Scratch } from '../helpers/scratch';

export { KEY, FAST };
export { tmpDir, startEmu, makeTree, png } from '../ingest/helpers';

export const FAST_POLL = { minMs: 5, maxMs: 40, factor: 2, errorBudgetMs: 60_000 };

export function connect(emu: Emulator): Promise<RoboflowClient> {
  return RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY, retry: { baseMs: 5, maxMs: 50, maxAttempts: 8 } });
}

export function fullEngine(emu: Emulator, dataDir: string, transfer: Partial<TransferSettings> = {}): Engine {
  const settings = defaultSettings(dataDir);
  settings.transfer = { ...settings.transfer, ...transfer };
  return new Engine({
    dataDir,
    steps: [...createIngestSteps(FAST), ...createJobSteps({ pollTimings: FAST_POLL })],
    client: () => connect(emu),
    settings: () => settings,
    progressIntervalMs: 20,
  });
}

export function readResults(outDir: string): ResultRow[] {
  return fs
    .readFileSync(path.join(outDir, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ResultRow);
}

/** Env for a spawned `node dist/cli.js` against the emulator, fast everywhere. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ROBOFLOW_API_KEY: KEY,
    BATCH_DESK_POLL_MIN_MS: '5',
    BATCH_DESK_POLL_MAX_MS: '40',
    BATCH_DESK_RETRY_BASE_MS: '10',
    BATCH_DESK_RETRY_MAX_MS: '100',
    BATCH_DESK_STALL_MS: '5000',
    BATCH_DESK_RECONCILE_GRACE_MS: '0',
    ...extra,
  };
}

export interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; out: string; err: string }>;
}

/** `node dist/cli.js <args>` against the emulator with JSON output; the scratch kills it if left running. */
export function spawnCli(emu: Emulator, args: string[], dataDir: string, scratch: Scratch): CliRun {
  const child = spawn(process.execPath, [path.resolve('dist/cli.js'), ...args, '--api-url', emu.url, '--data-dir', dataDir, '--json'], {
    env: cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  scratch.child(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return { child, done };
}
