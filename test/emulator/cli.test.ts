import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

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

it('--help prints usage; a missing --api-key fails', async () => {
  const h = launch(['--help']);
  const bad = spawn(tsx, ['test/emulator/cli.ts', '--port', '0'], { cwd: process.cwd(), stdio: 'ignore', env: { ...process.env, ROBOFLOW_API_KEY: '' } });
  children.push(bad);
  const [hCode, badCode] = await Promise.all([h.exit, new Promise((r) => bad.on('exit', r))]);
  expect(hCode).toBe(0);
  expect(h.out()).toMatch(/--time-scale/);
  expect(badCode).toBe(2);
});
