// What every `batch-desk` subcommand sees. Commands live one per file in ./commands.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_API_URL } from '../engine/roboflow/http';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
/** Finished, but some files were rejected, failed in the Workflow or have no prediction (listed with reasons). */
export const EXIT_REJECTIONS = 2;

export interface GlobalOptions {
  apiUrl: string;
  dataDir: string;
  json: boolean;
}

export interface CliContext {
  /** Arguments after the command name. */
  argv: string[];
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM: the running step stops at once (its journal keeps what it did), then exit. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** What to do after Ctrl-C stopped it; RESUME_HINT when absent. */
  interruptedHint?: string;
  /** For a command that ends quietly when Ctrl-C stops it (exit 0): said then, as "Stopped; …". */
  stoppedHint?: string;
  run(ctx: CliContext): Promise<number>;
}

/**
 * Said when Ctrl-C stops a command that runs items: the step under way is aborted, not finished.
 * Not "run the same command again": `run`, `ingest` and `process` would add a second item (a second
 * upload, a second paid job) rather than continue the first.
 */
export const RESUME_HINT = 'everything done so far is journaled — run `batch-desk resume` to go on';

/** A failure with a message meant for the operator (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_FAILURE,
  ) {
    super(message);
  }
}

export const GLOBAL_OPTIONS = {
  'api-url': { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export const GLOBAL_USAGE = `Global options:
  --api-url <url>    Roboflow API (env ROBOFLOW_API_URL; default ${DEFAULT_API_URL})
  --data-dir <dir>   where plans and journals live (env BATCH_DESK_DATA_DIR; default
                     ${defaultDataDir()}, the desktop app's folder too)
  --json             JSON lines instead of a progress display
  -h, --help         help for the command
The API key comes from env ROBOFLOW_API_KEY, else the app's active profile in the OS keychain (or the
only profile saved there); stderr says which profile's key is used.`;

/** Parses a command's own options together with the global ones. */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(ctx: CliContext, options: O) {
  try {
    const parsed = parseArgs({ args: ctx.argv, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return { values: parsed.values, positionals: parsed.positionals, global: globalOptions(parsed.values, ctx.env) };
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

export function globalOptions(values: Record<string, unknown>, env: NodeJS.ProcessEnv): GlobalOptions {
  const apiUrl = (values['api-url'] as string | undefined) ?? env.ROBOFLOW_API_URL ?? DEFAULT_API_URL;
  // Checked before anything runs: a bad URL found at the first request comes after a whole scan.
  if (!isHttpUrl(apiUrl)) {
    const from = values['api-url'] !== undefined ? '--api-url' : 'ROBOFLOW_API_URL';
    throw new CliError(`${from} must be an http:// or https:// URL (got "${apiUrl}").`);
  }
  return {
    apiUrl,
    dataDir: path.resolve((values['data-dir'] as string | undefined) ?? env.BATCH_DESK_DATA_DIR ?? defaultDataDir()),
    json: Boolean(values.json),
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The per-user data folder, shared by the command line and the desktop app (main/electron/app.ts). */
export function defaultDataDir(): string {
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Batch Desk');
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Batch Desk');
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'batch-desk');
}

/** Parses a positive integer option, with a readable error. */
export function intOption(value: unknown, name: string, min = 1, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`--${name} must be a whole number from ${min} to ${max}.`);
  return n;
}

/** The folders or files a command was given, made absolute; each must exist. */
export function existingRoots(positionals: string[], verb: string): string[] {
  if (positionals.length === 0) throw new CliError(`Name at least one folder or file to ${verb}.`);
  const roots = positionals.map((p) => path.resolve(p));
  for (const r of roots) if (!fs.existsSync(r)) throw new CliError(`${r} does not exist.`);
  return roots;
}
