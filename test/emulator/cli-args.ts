// Argument parsing for cli.ts (kept separate so tests can call it in-process).

import { readFileSync } from 'node:fs';
import { type FaultConfig, validateFaultConfig } from './faults';
import { type EmulatorOptions } from './server';

export const HELP = `Roboflow API emulator (Data Staging + Batch Processing)

Usage: tsx test/emulator/cli.ts --api-key KEY [options]

Options:
  --port N             port on 127.0.0.1 (default 0 = any free port)
  --api-key KEY        accepted API key (repeatable; at least one, or env ROBOFLOW_API_KEY)
  --workspace SLUG     workspace slug for every key (default: sandbox)
  --data-dir DIR       where uploaded files live (default: a new temp dir, removed on exit)
  --time-scale X       multiplies every simulated delay (default 1; 0 = as fast as possible)
  --faults FILE.json   fault injection config (see test/emulator/README.md)
  --help               this text

Prints exactly one line "emulator listening on http://127.0.0.1:<port>" and runs until SIGINT/SIGTERM.`;

export type CliParse = { kind: 'help' } | { kind: 'error'; message: string } | { kind: 'run'; options: EmulatorOptions };

export function parseCliArgs(args: string[], env: Record<string, string | undefined> = process.env): CliParse {
  const apiKeys: string[] = [];
  let port = 0;
  let workspace: string | undefined;
  let dataDir: string | undefined;
  let timeScale = 1;
  let faultsFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string | null => {
      if (inline !== undefined) return inline;
      const v = args[i + 1];
      if (v === undefined) return null;
      i++;
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return { kind: 'help' };
      case '--port': {
        const v = value();
        if (v === null || !/^\d+$/.test(v) || Number(v) > 65535) return { kind: 'error', message: `invalid --port ${v ?? ''}` };
        port = Number(v);
        break;
      }
      case '--api-key': {
        const v = value();
        if (!v) return { kind: 'error', message: '--api-key needs a value' };
        apiKeys.push(v);
        break;
      }
      case '--workspace': {
        const v = value();
        if (!v) return { kind: 'error', message: '--workspace needs a value' };
        workspace = v;
        break;
      }
      case '--data-dir': {
        const v = value();
        if (!v) return { kind: 'error', message: '--data-dir needs a value' };
        dataDir = v;
        break;
      }
      case '--time-scale': {
        const v = value();
        const n = Number(v);
        if (v === null || v === '' || !Number.isFinite(n) || n < 0) return { kind: 'error', message: '--time-scale must be a number >= 0' };
        timeScale = n;
        break;
      }
      case '--faults': {
        const v = value();
        if (!v) return { kind: 'error', message: '--faults needs a file' };
        faultsFile = v;
        break;
      }
      default:
        return { kind: 'error', message: `unknown argument ${a}` };
    }
  }
  if (apiKeys.length === 0 && env.ROBOFLOW_API_KEY) apiKeys.push(env.ROBOFLOW_API_KEY);
  if (apiKeys.length === 0) return { kind: 'error', message: 'at least one --api-key is required' };
  let faults: FaultConfig | undefined;
  if (faultsFile) {
    try {
      faults = validateFaultConfig(JSON.parse(readFileSync(faultsFile, 'utf8')));
    } catch (e) {
      return { kind: 'error', message: `cannot load --faults ${faultsFile}: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  return {
    kind: 'run',
    options: { port, apiKeys, timeScale, ...(workspace ? { workspace } : {}), ...(dataDir ? { dataDir } : {}), ...(faults ? { faults } : {}) },
  };
}
