// Command-line entry point: `npm run emulator -- --api-key KEY [options]`.

import { readFileSync } from 'node:fs';
import { validateFaultConfig } from './faults';
import { startEmulator } from './server';

const HELP = `Roboflow API emulator (Data Staging + Batch Processing)

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

function fail(msg: string): never {
  process.stderr.write(`${msg}\n\n${HELP}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const apiKeys: string[] = [];
  let port = 0;
  let workspace: string | undefined;
  let dataDir: string | undefined;
  let timeScale = 1;
  let faultsFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = args[++i];
      if (v === undefined) fail(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        process.stdout.write(`${HELP}\n`);
        return;
      case '--port': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535) fail(`invalid --port ${v}`);
        port = Number(v);
        break;
      }
      case '--api-key':
        apiKeys.push(value());
        break;
      case '--workspace':
        workspace = value();
        break;
      case '--data-dir':
        dataDir = value();
        break;
      case '--time-scale': {
        const v = Number(value());
        if (!Number.isFinite(v) || v < 0) fail('--time-scale must be a number >= 0');
        timeScale = v;
        break;
      }
      case '--faults':
        faultsFile = value();
        break;
      default:
        fail(`unknown argument ${a}`);
    }
  }
  if (apiKeys.length === 0 && process.env.ROBOFLOW_API_KEY) apiKeys.push(process.env.ROBOFLOW_API_KEY);
  if (apiKeys.length === 0) fail('at least one --api-key is required');
  let faults;
  if (faultsFile) {
    try {
      faults = validateFaultConfig(JSON.parse(readFileSync(faultsFile, 'utf8')));
    } catch (e) {
      fail(`cannot load --faults ${faultsFile}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const emu = await startEmulator({ port, apiKeys, workspace, dataDir, timeScale, faults });
  process.stdout.write(`emulator listening on ${emu.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void emu.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
