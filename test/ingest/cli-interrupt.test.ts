// Ctrl-C while the command line is still reading the key (a slow keychain) stops it before anything
// starts. The signal used to be listened to only after that, so the whole ingest ran regardless.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ingestCommand } from '../../main/cli/commands/ingest';
import { makeTree, tmpDir } from './helpers';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

it('an ingest interrupted before it starts creates no item and says so', async () => {
  const data = tmpDir('interrupt-data');
  const src = tmpDir('interrupt-src');
  dirs.push(data, src);
  makeTree(src, 3);
  const interrupted = new AbortController();
  interrupted.abort();
  const ctx = {
    argv: [src, '--batch-id', 'interrupted', '--data-dir', data, '--api-url', 'http://127.0.0.1:9', '--json'],
    stdout: process.stdout,
    stderr: process.stderr,
    env: { ROBOFLOW_API_KEY: 'interrupt-test-key' },
    signal: interrupted.signal,
  };
  await expect(ingestCommand.run(ctx)).rejects.toThrow('Interrupted before anything started.');
  const items = path.join(data, 'items');
  expect(fs.existsSync(items) ? fs.readdirSync(items) : []).toEqual([]);
});
