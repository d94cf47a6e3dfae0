// Ctrl-C while the command line is still reading the key (a slow keychain) stops it before anything
// starts. The signal used to be listened to only after that, so the whole ingest ran regardless.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestCommand } from '../../main/cli/commands/ingest';
import { makeTree, tmpDir } from './helpers';

const dirs: string[] = [];
// A child a failed or timed-out test left running would write into its data dir after it is removed.
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    c.kill('SIGKILL');
    await new Promise((r) => c.once('exit', r));
  }
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

// Ctrl-C on a command waiting for the service: it says what really happens (the step stops at once,
// what was done is journaled) and how to go on, instead of the bare abort reason ("SIGINT").
describe('Ctrl-C on a real batch-desk process', () => {
  const CLI = path.resolve('dist/cli.js');

  /** A service that takes requests and never answers them. */
  async function silentService(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
    let requests = 0;
    const server = http.createServer(() => void requests++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      requests: () => requests,
      close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
    };
  }

  async function interrupt(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
    const service = await silentService();
    const data = tmpDir('interrupt-child');
    dirs.push(data);
    try {
      const child = spawn(process.execPath, [CLI, ...args, '--api-url', service.url, '--data-dir', data], {
        env: { ...process.env, ROBOFLOW_API_KEY: 'interrupt-test-key' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (c) => (stderr += c));
      child.stdout.on('data', (c) => (stdout += c));
      const done = new Promise<number | null>((resolve) => child.on('close', resolve));
      const end = Date.now() + 20_000;
      while (service.requests() === 0 && child.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      expect(service.requests(), stderr).toBeGreaterThan(0);
      child.kill('SIGINT');
      return { code: await done, stderr, stdout };
    } finally {
      await service.close();
    }
  }

  it('export: says the step stopped, what is kept and to run it again; exit 1', async () => {
    const outParent = tmpDir('interrupt-out');
    dirs.push(outParent);
    const r = await interrupt(['export', '--job-id', 'job-abc123', '--out', path.join(outParent, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/finishing the current step/);
    expect(r.stderr).toMatch(/^SIGINT: stopping\. Press Ctrl-C again to quit at once\.$/m);
    expect(r.stderr).toMatch(/^batch-desk export: Interrupted by SIGINT; the files downloaded so far are journaled — run the same command again to finish the export/m);
    expect(r.stderr).not.toMatch(/^batch-desk export: SIGINT$/m);
  });

  it('ingest stopped while its connection is still being made: stops at once and names the item to resume', async () => {
    const src = tmpDir('interrupt-early-src');
    dirs.push(src);
    makeTree(src, 3);
    // the service never answers the workspace lookup; before, the run waited for it (a minute and retries)
    const r = await interrupt(['ingest', src, '--batch-id', 'stopped-early']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^SIGINT: stopping\. Press Ctrl-C again to quit at once\.$/m);
    expect(r.stdout).toMatch(/^Interrupted; run `batch-desk resume` to continue item \S+\.$/m);
  });

  it('watch: Ctrl-C is how it stops (exit 0), and it says how to go on, once', async () => {
    const src = tmpDir('interrupt-watch-src');
    const out = tmpDir('interrupt-watch-out');
    dirs.push(src, out);
    makeTree(src, 3);
    const r = await interrupt(['watch', src, '--workflow-id', 'wf', '--out', out, '--quiet-seconds', '0.2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Stopped; the watch is paused until the same command runs again\.$/m);
    expect(`${r.stdout}${r.stderr}`.match(/Stopped/g)).toHaveLength(1);
  });

  it('jobs: a clear message, not the bare signal name', async () => {
    const r = await interrupt(['jobs']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^batch-desk jobs: Interrupted by SIGINT; nothing was changed — run the same command again\.$/m);
  });
});
