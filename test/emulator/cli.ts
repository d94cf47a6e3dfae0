// Command-line entry point: `npm run emulator -- --api-key KEY [options]` (see cli-args.ts / README.md).

import { HELP, parseCliArgs } from './cli-args';
import { startEmulator } from './server';

async function main(): Promise<void> {
  const parsed = parseCliArgs(process.argv.slice(2));
  if (parsed.kind === 'help') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`${parsed.message}\n\n${HELP}\n`);
    process.exit(2);
  }
  const emu = await startEmulator(parsed.options);
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
