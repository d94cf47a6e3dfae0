// `batch-desk serve`: the operator console in a browser. Same engine, same renderer, same contract
// as the desktop app, over HTTP on loopback with a session token (main/web/PROTOCOL.md).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, EXIT_OK, intOption, parseCommandArgs, type Command } from '../command';
import { createAppHost } from '../../host/app-host';
import { startWebServer } from '../../web/server';

const GO_ON = 'every item is journaled — run `batch-desk serve` (or `batch-desk resume`) again to go on';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the operator console in a browser (web mode)',
  interruptedHint: GO_ON,
  stoppedHint: GO_ON,
  usage: `batch-desk serve [--port <n>] [--host 127.0.0.1] [--open]

Prints one line: "Batch Desk is running at http://127.0.0.1:<port>/?token=<token>" ({"url": …} with --json).
Open it in a browser on this machine; every API call needs the token.
Binds to loopback unless --host says otherwise (anyone who can reach the port and has the token can
drive the app). Env BATCH_DESK_DEMO_API_URL + BATCH_DESK_DEMO_API_KEY offer an offline demo profile.`,
  async run(ctx) {
    const { values, global } = parseCommandArgs(ctx, {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      open: { type: 'boolean', default: false },
    });
    const port = intOption(values.port, 'port', 0, 65535) ?? 0;
    const hostname = String(values.host);
    // --api-url is the operator's own word at launch, as ROBOFLOW_API_URL is: the key in
    // ROBOFLOW_API_KEY may go there (Settings' address alone would not do; see profile-store.ts).
    const explicitUrl = Boolean(values['api-url'] || ctx.env.ROBOFLOW_API_URL);
    const env = explicitUrl ? { ...ctx.env, ROBOFLOW_API_URL: global.apiUrl } : ctx.env;
    const app = createAppHost({ dataDir: global.dataDir, platform: { mode: 'web' }, env });
    if (global.apiUrl !== app.settings.get().apiUrl && explicitUrl) {
      app.settings.update({ apiUrl: global.apiUrl });
    }
    let server;
    try {
      server = await startWebServer({ host: app.host, staticDir: rendererDir(), port, hostname, log: app.log.child('web') });
    } catch (err) {
      await app.close();
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE') throw new CliError(`Port ${port} is already in use; pick another with --port, or --port 0 for any free one.`);
      throw new CliError(`Could not start the web server on ${hostname}:${port}: ${e.message}`);
    }
    ctx.stdout.write(global.json ? `${JSON.stringify({ url: server.openUrl })}\n` : `Batch Desk is running at ${server.openUrl}\n`);
    if (values.open) openBrowser(server.openUrl);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    await app.close();
    return EXIT_OK;
  },
};

/** dist/renderer beside the bundled CLI (dist/cli.js), or in the repo when run from source. */
function rendererDir(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'renderer'), path.resolve(here, '../../../dist/renderer')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'index.html')));
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    spawn(cmd, args as string[], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
  } catch {
    // No browser to open; the URL is printed.
  }
}
