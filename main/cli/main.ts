// `batch-desk`: the headless command line. The same engine runs in the desktop app and web mode.

import { COMMANDS } from './commands';
import { CliError, EXIT_FAILURE, GLOBAL_OPTIONS, GLOBAL_USAGE, RESUME_HINT, type CliContext } from './command';
import { redact } from '../engine/secrets';

declare const __BATCH_DESK_VERSION__: string;
const VERSION = typeof __BATCH_DESK_VERSION__ === 'string' ? __BATCH_DESK_VERSION__ : '0.0.0-dev';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `Batch Desk ${VERSION}: folders in, Roboflow Batch Processing results out.

Usage: batch-desk <command> [options]

Commands:
${list}

${GLOBAL_USAGE}

Run \`batch-desk <command> --help\` for a command's options.
Exit codes: 0 every file made it, 2 finished but some files were rejected, failed in the Workflow or have no prediction, 1 failure.`;
}

/**
 * `batch-desk --data-dir D status`: global options written before the command go after it, where
 * every command parses them (`--help` lists them as global, so both places must work).
 */
function commandFirst(argv: string[]): string[] {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('--')) {
    const [flag, inline] = argv[i]!.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const option = (GLOBAL_OPTIONS as Record<string, { type: string }>)[flag];
    if (!option || flag === 'help') break;
    const takesValue = option.type === 'string' && inline === undefined;
    if (takesValue && i + 1 >= argv.length) break;
    leading.push(...argv.slice(i, i + (takesValue ? 2 : 1)));
    i += takesValue ? 2 : 1;
  }
  return i < argv.length ? [argv[i]!, ...argv.slice(i + 1), ...leading] : argv;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = commandFirst(argv);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(VERSION + '\n');
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`Unknown command "${name}".\n\n${usage()}\n`);
    return EXIT_FAILURE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n\n${GLOBAL_USAGE}\n`);
    return 0;
  }
  const controller = new AbortController();
  const hint = command.interruptedHint ?? RESUME_HINT;
  let interruptedBy: NodeJS.Signals | undefined;
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    interruptedBy = sig;
    // The abort stops the step under way at once (engine.close()); its journal keeps what it did.
    // How to go on is said once the command has stopped, when it is known whether anything started.
    process.stderr.write(`\n${sig}: stopping. Press Ctrl-C again to quit at once.\n`);
    controller.abort(new Error(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const ctx: CliContext = { argv: rest, stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal };
  try {
    const code = await command.run(ctx);
    // A command that ends quietly when stopped (serve) still says how to go on; the others say it
    // themselves (an item's id to resume, a watch that is paused).
    if (interruptedBy && command.stoppedHint) process.stderr.write(`Stopped; ${command.stoppedHint}.\n`);
    return code;
  } catch (caught) {
    // Whatever the abort surfaced as (its bare reason "SIGINT", a cancelled request), say what happened and what next.
    const err = interruptedBy && !(caught instanceof CliError) ? new CliError(`Interrupted by ${interruptedBy}; ${hint}.`) : caught;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`batch-desk ${name}: ${redact(message)}\n`);
    if (!(err instanceof CliError) && process.env.BATCH_DESK_DEBUG) process.stderr.write(redact(String((err as Error).stack)) + '\n');
    return err instanceof CliError ? err.exitCode : EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// A reader that stopped reading (`batch-desk status | head`) is no failure: end quietly, as other
// tools do, instead of a stack trace. Anything under way is journaled, as after Ctrl-C.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(redact(String(err)) + '\n');
    process.exitCode = EXIT_FAILURE;
  },
);
