// One engine per data folder: a second process is refused in plain words (the same items would
// otherwise be sent twice), and the lock of a process that died is taken over.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../main/engine/pipeline/engine';
import { defaultSettings } from '../../main/engine/settings';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-lock-'));
  dirs.push(d);
  return d;
}

function engineOn(dir: string): Engine {
  return new Engine({ dataDir: dir, steps: [], client: () => Promise.reject(new Error('offline')), settings: () => defaultSettings(dir) });
}

/** Writes the lock as another process on this machine would. */
function lockAs(dir: string, pid: number): void {
  fs.writeFileSync(path.join(dir, 'engine.lock'), JSON.stringify({ pid, host: os.hostname(), startedAt: '2026-11-29T08:00:00.000Z' }));
}

describe('data folder lock', () => {
  it('refuses a second process while the first runs, then takes over once it has died', async () => {
    const dir = dataDir();
    const holder = spawn('sleep', ['60']);
    children.push(holder);
    lockAs(dir, holder.pid!);
    expect(() => engineOn(dir)).toThrow(new RegExp(`Another Batch Desk process \\(pid ${holder.pid}.*is using the data folder`));

    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    const engine = engineOn(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'engine.lock'), 'utf8')).pid).toBe(process.pid);
    await engine.close();
    expect(fs.existsSync(path.join(dir, 'engine.lock'))).toBe(false);
  });

  it('the command line says which process holds the folder, and exits 1 without touching its items', () => {
    const dir = dataDir();
    const holder = spawn('sleep', ['60']);
    children.push(holder);
    lockAs(dir, holder.pid!);
    const r = spawnSync(process.execPath, ['dist/cli.js', 'resume', '--data-dir', dir], {
      encoding: 'utf8',
      env: { ...process.env, ROBOFLOW_API_KEY: 'unused-key' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`pid ${holder.pid}.*--data-dir`));
    expect(fs.existsSync(path.join(dir, 'items'))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'engine.lock'), 'utf8')).pid).toBe(holder.pid);
  });
});
