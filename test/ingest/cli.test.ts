// The command line as an operator uses it: exit codes (0 all in, 2 some rejected and listed, 1
// failure), batch id checked before any request, status and resume.
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import { KEY, makeTree, png, startEmu, tmpDir, writeFile } from './helpers';

const CLI = path.resolve('dist/cli.js');
let emu: Emulator;
const dirs: string[] = [];
beforeAll(async () => {
  emu = await startEmu();
});
afterAll(async () => {
  await emu.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function dir(label: string): string {
  const d = tmpDir(label);
  dirs.push(d);
  return d;
}

describe('batch-desk ingest / status / resume', () => {
  it('refuses a bad batch id before any request is made', async () => {
    const src = dir('cli-bad');
    makeTree(src, 2);
    const before = Object.values(emu.inspect.requests()).reduce((a, r) => a + r.attempts, 0);
    const r = await run(['ingest', src, '--batch-id', 'Bad Id!'], { ROBOFLOW_API_KEY: KEY, ROBOFLOW_API_URL: emu.url, BATCH_DESK_DATA_DIR: dir('cli-bad-data') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Batch id may contain only lower-case letters/);
    const after = Object.values(emu.inspect.requests()).reduce((a, x) => a + x.attempts, 0);
    expect(after).toBe(before);
  });

  it('says what to do when there is no key', async () => {
    const src = dir('cli-nokey');
    makeTree(src, 1);
    const r = await run(['ingest', src, '--batch-id', 'nokey'], { ROBOFLOW_API_URL: emu.url, BATCH_DESK_DATA_DIR: dir('cli-nokey-data') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ROBOFLOW_API_KEY/);
  });

  it('exits 0 when every file is in the batch, 2 with rejections listed with reasons; status and resume report it', async () => {
    const src = dir('cli-src');
    const data = dir('cli-data');
    const env = { ROBOFLOW_API_KEY: KEY, ROBOFLOW_API_URL: emu.url, BATCH_DESK_DATA_DIR: data, BATCH_DESK_POLL_MIN_MS: '10', BATCH_DESK_RECONCILE_GRACE_MS: '0' };
    makeTree(path.join(src, 'good'), 12);
    const ok = await run(['ingest', path.join(src, 'good'), '--batch-id', 'cli-good', '--shard-files', '5', '--json'], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const lines = ok.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.type === 'progress')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ type: 'note', batchId: 'cli-good', rejected: 0 });
    expect(((await emu.inspect.files('cli-good')) ?? []).length).toBe(12);

    writeFile(src, 'mixed/a.png', png('a'));
    writeFile(src, 'mixed/notes.txt', 'hello');
    writeFile(src, 'mixed/empty.jpg', Buffer.alloc(0));
    const some = await run(['ingest', path.join(src, 'mixed'), '--batch-id', 'cli-mixed'], env);
    expect(some.code).toBe(2);
    // each rejected file is a problem, on stderr (`2>errors.txt` keeps them); the outcome on stdout, its counts adding up
    expect(some.stderr).toMatch(/^rejected: \S*notes\.txt is not a supported image or video type/m);
    expect(some.stderr).toMatch(/^rejected: \S*empty\.jpg is empty/m);
    expect(some.stdout).not.toMatch(/rejected:/);
    expect(some.stdout).toMatch(/1 file\(s\) sent to batch cli-mixed, 1 indexed, 2 rejected \(not sent\)\./);

    const status = await run(['status', '--json'], env);
    expect(status.code).toBe(0);
    // JSON lines: one item record per item.
    const records = status.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; id: string; item: { id: string; batchId: string; state: string } });
    expect(records.every((r) => r.type === 'item' && r.id === r.item.id)).toBe(true);
    const items = records.map((r) => r.item);
    expect(items.map((i) => [i.batchId, i.state]).sort()).toEqual([
      ['cli-good', 'done'],
      ['cli-mixed', 'done'],
    ]);
    const table = await run(['status'], env);
    expect(table.stdout).toMatch(/ITEM\s+NAME\s+STATE.*\s+BATCH\s+JOB\s+EXPIRES/);
    expect(table.stdout).toMatch(/cli-mixed/);

    const resume = await run(['resume'], env);
    expect(resume.code).toBe(0);
    expect(resume.stdout).toMatch(/Nothing to resume/);
  });
});
