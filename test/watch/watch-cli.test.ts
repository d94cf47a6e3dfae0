// `batch-desk watch` as an operator meets it: readable refusals, Ctrl-C exits 0, and running the
// same command again continues the same saved watch.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './fake-engine';

const CLI = path.resolve('dist/cli.js');
const env = { ...process.env, ROBOFLOW_API_KEY: 'cli-test-key', BATCH_DESK_DATA_DIR: '' };

function runSync(args: string[], data: string) {
  return spawnSync(process.execPath, [CLI, 'watch', ...args, '--data-dir', data, '--api-url', 'http://127.0.0.1:9'], { env, encoding: 'utf8' });
}

describe('batch-desk watch', () => {
  it('refuses what it cannot run, saying why', () => {
    const data = tempDir('data');
    const folder = tempDir('in');
    const cases: [string[], RegExp][] = [
      [[path.join(folder, 'nope'), '--workflow-id', 'wf', '--out', tempDir('out')], /is not a folder/],
      [[folder, '--workflow-id', 'wf'], /--out is required/],
      [[folder, '--out', tempDir('out')], /--workflow-id is required/],
      [[folder, '--workflow-id', 'wf', '--out', path.join(folder, 'results')], /must not be inside the watched folder/],
      [[folder, '--workflow-id', 'wf', '--out', tempDir('out'), '--batch-prefix', 'Bad Prefix'], /--batch-prefix/],
      // every batch gets a job of its own: one fixed id would be dropped without a word
      [[folder, '--workflow-id', 'wf', '--out', tempDir('out'), '--job-id', 'nightly'], /--job-id does not apply to a watch/],
      // the upload flags of ingest and run are its own too (checked, not refused as unknown)
      [[folder, '--workflow-id', 'wf', '--out', tempDir('out'), '--bwlimit', 'fast'], /--bwlimit must be a whole number/],
      [[folder, '--workflow-id', 'wf', '--out', tempDir('out'), '--shard-files', '501'], /--shard-files must be a whole number from 1 to 500/],
    ];
    for (const [args, message] of cases) {
      const r = runSync(args, data);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    const noKey = spawnSync(process.execPath, [CLI, 'watch', folder, '--workflow-id', 'wf', '--out', tempDir('out'), '--data-dir', data], {
      env: { ...process.env, ROBOFLOW_API_KEY: '' },
      encoding: 'utf8',
    });
    expect(noKey.status).toBe(1);
    expect(noKey.stderr).toMatch(/No API key/);
    // a prefix within the rules (here ending in "-") passes the checks, up to the missing key
    const prefixed = spawnSync(process.execPath, [CLI, 'watch', folder, '--workflow-id', 'wf', '--out', tempDir('out'), '--batch-prefix', 'cams-', '--data-dir', data], {
      env: { ...process.env, ROBOFLOW_API_KEY: '' },
      encoding: 'utf8',
    });
    expect(prefixed.stderr).toMatch(/No API key/);
    expect(spawnSync(process.execPath, [CLI, 'watch', '--help'], { encoding: 'utf8' }).stdout).not.toContain('--job-id');
  });

  it('Ctrl-C stops it with exit code 0; the same command again continues the same watch', async () => {
    const data = tempDir('data');
    const folder = tempDir('in');
    const out = tempDir('out');
    const start = async () => {
      const child = spawn(process.execPath, [CLI, 'watch', folder, '--workflow-id', 'wf', '--out', out, '--data-dir', data, '--api-url', 'http://127.0.0.1:9', '--json'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout!.on('data', (c) => (stdout += c));
      const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const end = Date.now() + 20_000;
      while (!/Ctrl-C to stop|"type":"watch"/.test(stdout) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGINT');
      const code = await done;
      const lines = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      return { code, lines };
    };
    const first = await start();
    expect(first.code).toBe(0);
    expect(first.lines.at(-1)).toMatchObject({ type: 'stopped' });
    const id = first.lines.find((l) => l.type === 'watch').watch.id;
    // saved paused: the app or `serve` on this data folder leaves it stopped, as the operator did
    expect(JSON.parse(fs.readFileSync(path.join(data, 'watches', id, 'watch.json'), 'utf8'))).toMatchObject({ paused: true });
    const second = await start();
    expect(second.code).toBe(0);
    expect(second.lines.find((l) => l.type === 'watch').watch.id).toBe(id);
    expect(fs.readdirSync(path.join(data, 'watches'))).toEqual([id]);
  });
});
