// Builds the Engine the command line runs: the data folder, saved settings, every pipeline step
// (ingest here, jobs from main/engine/jobs), and a Roboflow client for the key from env
// ROBOFLOW_API_KEY or, failing that, the profile the desktop app saved in the OS keychain.

import path from 'node:path';
import { Engine } from '../engine/pipeline/engine';
import type { Step } from '../engine/pipeline/step';
import { createIngestSteps } from '../engine/ingest/steps';
import type { IngestTuning } from '../engine/ingest/uploader';
import type { TransferSettings } from '../../shared/domain';
import { jobSteps } from '../engine/jobs/steps';
import { AmbiguousProfileError, describeProfile, readActiveProfileKey, type Keychain } from '../engine/keychain';
import { createLogger, fileSink } from '../engine/log';
import { RoboflowClient } from '../engine/roboflow/client';
import { DEFAULT_API_URL } from '../engine/roboflow/http';
import { registerSecret } from '../engine/secrets';
import { SettingsStore } from '../engine/settings';
import { CliError, type GlobalOptions } from './command';

export interface CliEngine {
  engine: Engine;
  settings: SettingsStore;
  /** The Roboflow client the engine's steps use (connected on first use). */
  client(): Promise<RoboflowClient>;
  close(): Promise<void>;
}

/** Test and tuning knobs read from the environment (all optional, in ms). */
export function tuningFromEnv(env: NodeJS.ProcessEnv): Partial<IngestTuning> {
  const n = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const x = Number(v);
    return Number.isFinite(x) && x >= 0 ? x : undefined;
  };
  const out: Partial<IngestTuning> = {};
  const stall = n('BATCH_DESK_STALL_MS');
  if (stall !== undefined) out.stallMs = stall;
  const grace = n('BATCH_DESK_RECONCILE_GRACE_MS');
  if (grace !== undefined) out.reconcileGraceMs = grace;
  const pmin = n('BATCH_DESK_POLL_MIN_MS');
  if (pmin !== undefined) out.pollMinMs = pmin;
  const pmax = n('BATCH_DESK_POLL_MAX_MS');
  if (pmax !== undefined) out.pollMaxMs = pmax;
  const base = n('BATCH_DESK_RETRY_BASE_MS');
  if (base !== undefined) out.retry = { baseMs: base, maxMs: Math.max(base, n('BATCH_DESK_RETRY_MAX_MS') ?? 60_000), maxAttempts: n('BATCH_DESK_RETRY_ATTEMPTS') ?? 10 };
  return out;
}

export interface CredentialSources {
  /** Where the saved profile keys are read from (the OS keychain; a fake in tests). */
  keychain?: Keychain;
  /** Where the command line says which saved profile it uses. */
  stderr?: NodeJS.WritableStream;
}

// The engine resolves the key again each time it connects: say which profile once, and again only if it changed.
const lastProfileNotice = new WeakMap<NodeJS.WritableStream, string>();

/** The key and API URL the command line uses; a CliError with the next step when there is none. */
export async function resolveCredentials(
  global: GlobalOptions,
  env: NodeJS.ProcessEnv,
  { keychain, stderr = process.stderr }: CredentialSources = {},
): Promise<{ apiKey: string; apiUrl: string }> {
  const fromEnv = env.ROBOFLOW_API_KEY;
  if (fromEnv) {
    registerSecret(fromEnv);
    return { apiKey: fromEnv, apiUrl: global.apiUrl };
  }
  const saved = await readActiveProfileKey(global.dataDir, keychain).catch((err: unknown) => {
    if (err instanceof AmbiguousProfileError) throw new CliError(err.message);
    return undefined;
  });
  if (saved) {
    // The key decides which workspace the work goes to: say whose it is (never the key itself).
    const why = saved.active ? 'the app’s active profile' : 'the only profile in the keychain; the app’s active profile is not saved there';
    const notice = `ROBOFLOW_API_KEY is not set: using the key of profile ${describeProfile(saved)} from the keychain (${why}).`;
    if (lastProfileNotice.get(stderr) !== notice) {
      lastProfileNotice.set(stderr, notice);
      stderr.write(notice + '\n');
    }
    // An explicit --api-url / ROBOFLOW_API_URL wins over the profile's.
    const explicit = global.apiUrl !== DEFAULT_API_URL;
    return { apiKey: saved.apiKey, apiUrl: explicit ? global.apiUrl : saved.apiUrl };
  }
  throw new CliError('No API key: set ROBOFLOW_API_KEY, or add a profile in the Batch Desk app (Settings › Profiles).');
}

export function cliSteps(env: NodeJS.ProcessEnv): Step[] {
  return [...createIngestSteps(tuningFromEnv(env)), ...jobSteps];
}

export interface CliEngineOptions {
  maxConcurrentItems?: number;
  /**
   * Transfer flags for every item this process runs, over the saved settings (not saved). For
   * `watch`, whose items are created by the watch, not by the command line.
   */
  transfer?: Partial<TransferSettings>;
}

export function createCliEngine(global: GlobalOptions, env: NodeJS.ProcessEnv, opts: CliEngineOptions = {}): CliEngine {
  const settings = new SettingsStore(global.dataDir);
  const log = createLogger([fileSink(path.join(global.dataDir, 'logs', 'cli.log'))], env.BATCH_DESK_DEBUG ? 'debug' : 'info', 'cli');
  let client: Promise<RoboflowClient> | undefined;
  // Closing (Ctrl-C) ends a connection still being made: its request would keep the process alive.
  const closing = new AbortController();
  const connect = () => {
    client ??= resolveCredentials(global, env).then((c) => RoboflowClient.connect({ apiUrl: c.apiUrl, apiKey: c.apiKey, log: log.child('http') }, closing.signal));
    // A failed connection is not cached: the next step may try again.
    client.catch(() => (client = undefined));
    return client;
  };
  const engine = new Engine({
    dataDir: global.dataDir,
    steps: cliSteps(env),
    client: connect,
    settings: () => {
      const saved = settings.get();
      return opts.transfer ? { ...saved, transfer: { ...saved.transfer, ...opts.transfer } } : saved;
    },
    log,
    maxConcurrentItems: opts.maxConcurrentItems,
  });
  return {
    engine,
    settings,
    client: connect,
    close: () => {
      closing.abort(new Error('closed'));
      return engine.close();
    },
  };
}
