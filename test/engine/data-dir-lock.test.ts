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

/** Writes the lock as another process on this machine would (`extra`: what it knew of itself). */
function lockAs(dir: string, pid: number, extra: { bootId?: string; pidStart?: string } = {}): void {
  fs.writeFileSync(path.join(dir, 'engine.lock'), JSON.stringify({ pid, host: os.hostname(), startedAt: '2026-11-29T08:00:00.000Z', ...extra }));
}

const thisBoot = () => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const startOf = (pid: number) => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
};
const lockPid = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'engine.lock'), 'utf8')).pid as number;

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

  it('takes over a lock whose pid now belongs to another process, or to an earlier boot', async () => {
    const holder = spawn('sleep', ['60']);
    children.push(holder);
    // The same pid, started at another time: the owner died and its pid was reused.
    const reused = dataDir();
    lockAs(reused, holder.pid!, { bootId: thisBoot(), pidStart: String(Number(startOf(holder.pid!)) - 1) });
    await engineOn(reused).close();
    // Written before the machine last booted: whatever runs under that pid now is not the owner.
    const rebooted = dataDir();
    lockAs(rebooted, holder.pid!, { bootId: '00000000-0000-4000-8000-000000000000', pidStart: startOf(holder.pid!) });
    await engineOn(rebooted).close();
    // The owner itself, as it wrote the lock: refused.
    const held = dataDir();
    lockAs(held, holder.pid!, { bootId: thisBoot(), pidStart: startOf(holder.pid!) });
    expect(() => engineOn(held)).toThrow(/Another Batch Desk process/);
  });

  it('lets one process only take over a stale lock when several try at once', async () => {
    const dir = dataDir();
    const dead = spawn('true');
    await new Promise((r) => dead.once('exit', r));
    lockAs(dir, dead.pid!);
    // Each contender waits for the same go, tries, and says whether it got the folder, holding it a while.
    const go = path.join(dir, 'go');
    const contender = `
      import fs from 'node:fs';
      import { acquireDataDirLock } from ${JSON.stringify(path.resolve('main/engine/data-dir-lock.ts'))};
      fs.writeFileSync(process.argv[1] + '.' + process.pid, '');
      const nap = new Int32Array(new SharedArrayBuffer(4));
      while (!fs.existsSync(${JSON.stringify(go)})) Atomics.wait(nap, 0, 0, 1);
      let won = false;
      try { acquireDataDirLock(${JSON.stringify(dir)}); won = true; } catch {}
      process.stdout.write(won ? 'won' : 'lost');
      setTimeout(() => {}, 1500);
    `;
    const ready = path.join(dir, 'ready');
    const runs = Array.from({ length: 6 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', contender, ready], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      return new Promise<string>((resolve) => child.once('exit', () => resolve(out)));
    });
    const deadline = Date.now() + 30_000;
    while (fs.readdirSync(dir).filter((f) => f.startsWith('ready.')).length < 6) {
      if (Date.now() > deadline) throw new Error('the contenders did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    fs.writeFileSync(go, '');
    const outcomes = await Promise.all(runs);
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'lost')).toHaveLength(5);
    expect(lockPid(dir)).not.toBe(dead.pid);
  });
});
