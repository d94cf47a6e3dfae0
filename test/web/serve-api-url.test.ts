// `serve --api-url <url>` with the key in ROBOFLOW_API_KEY: the address given at launch is the
// operator's own, so the key goes there (an address typed into Settings alone would not do), and
// --json prints the console's URL as one JSON line.
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { startEmulator } from '../emulator/server';
import { webClient } from './web-client';

const scratch = useScratch();
const KEY = 'serve-url-key-1234';

it('uses the key from the environment at the --api-url it was started with, and --json prints the URL as JSON', async () => {
  const emu = scratch.server(await startEmulator({ apiKeys: [KEY], timeScale: 0, workspace: 'acme' }));
  const env: NodeJS.ProcessEnv = { ...process.env, ROBOFLOW_API_KEY: KEY, BATCH_DESK_DEMO_API_KEY: '', BATCH_DESK_DEMO_API_URL: '' };
  delete env.ROBOFLOW_API_URL;
  const child = scratch.child(
    spawn(process.execPath, ['dist/cli.js', 'serve', '--port', '0', '--api-url', emu.url, '--data-dir', scratch.dir('serve-url'), '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  const opened = new URL(url);
  const client = webClient(`${opened.origin}/`, opened.searchParams.get('token')!);

  let profiles: { storage: string; workspace: string; apiUrl: string }[] = [];
  for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    profiles = (await client.invoke('profiles:list', {})).value.profiles;
    if (profiles[0]?.workspace) break;
  }
  expect(profiles[0]).toMatchObject({ storage: 'environment', workspace: 'acme', apiUrl: emu.url });
});
