import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { HELP, parseCliArgs } from './cli-args';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const dir = mkdtempSync(join(tmpdir(), 'emu-cli-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function launch(args: string[]): { child: ChildProcess; out: () => string; exit: Promise<number | null> } {
  const child = spawn(tsx, ['test/emulator/cli.ts', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', () => undefined);
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, out: () => out, exit };
}

it('prints exactly one listening line, applies flags and the faults file, stops on SIGTERM', async () => {
  const faults = join(dir, 'faults.json');
  writeFileSync(faults, JSON.stringify({ seed: 1, rules: [{ route: 'list-jobs', kind: 'status', status: 503, times: 1 }] }));
  const data = join(dir, 'data');
  const p = launch(['--port', '0', '--api-key', 'k1', '--api-key', 'k2', '--workspace', 'acme', '--data-dir', data, '--time-scale', '0', '--faults', faults]);
  for (let i = 0; i < 300 && !p.out().includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
  const m = /^emulator listening on (http:\/\/127\.0\.0\.1:(\d+))\n$/.exec(p.out());
  expect(m, p.out()).not.toBeNull();
  const url = m![1]!;
  expect((await (await fetch(`${url}/?api_key=k2`)).json()).workspace).toBe('acme');
  expect((await fetch(`${url}/?api_key=k3`)).status).toBe(401);
  expect((await fetch(`${url}/batch-processing/v1/external/acme/jobs?api_key=k1`)).status).toBe(503);
  expect((await fetch(`${url}/batch-processing/v1/external/acme/jobs?api_key=k1`)).status).toBe(200);
  expect(p.out().split('\n').filter((l) => l !== '')).toHaveLength(1);
  p.child.kill('SIGTERM');
  expect(await p.exit).toBe(0);
});

it('parses flags: help, errors, repeatable keys, env fallback, faults file', () => {
  expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
  expect(HELP).toMatch(/--time-scale/);
  expect(parseCliArgs(['--port', '0'], {})).toMatchObject({ kind: 'error', message: expect.stringMatching(/api-key/) });
  expect(parseCliArgs(['--port', '0'], { ROBOFLOW_API_KEY: 'env-key' })).toMatchObject({ kind: 'run', options: { apiKeys: ['env-key'] } });
  expect(parseCliArgs(['--api-key', 'a', '--api-key=b', '--time-scale', '0.5', '--workspace', 'w', '--port=8080'], {})).toEqual({
    kind: 'run',
    options: { port: 8080, apiKeys: ['a', 'b'], timeScale: 0.5, workspace: 'w' },
  });
  expect(parseCliArgs(['--api-key', 'a', '--time-scale', '-1'], {}).kind).toBe('error');
  expect(parseCliArgs(['--api-key', 'a', '--port', '70000'], {}).kind).toBe('error');
  expect(parseCliArgs(['--api-key', 'a', '--bogus'], {}).kind).toBe('error');
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ rules: [{ route: 'nope', kind: 'status', status: 500 }] }));
  expect(parseCliArgs(['--api-key', 'a', '--faults', bad], {})).toMatchObject({ kind: 'error', message: expect.stringMatching(/route/) });
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify({ seed: 4, imageFailureRate: 0.5 }));
  expect(parseCliArgs(['--api-key', 'a', '--faults', good], {})).toMatchObject({ kind: 'run', options: { faults: { seed: 4, imageFailureRate: 0.5 } } });
});
