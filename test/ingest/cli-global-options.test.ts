// `--help` lists --api-url, --data-dir and --json as global options: they work before the command
// too (`batch-desk --data-dir D status`), as in git or npm. They used to be "Unknown command".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { tmpDir } from './helpers';

const CLI = path.resolve('dist/cli.js');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ROBOFLOW_API_KEY: '' } });

it('global options before the command are those of the command', () => {
  const data = tmpDir('global-options');
  dirs.push(data);
  for (const args of [['--data-dir', data, 'status'], [`--data-dir=${data}`, 'status'], ['--json', '--data-dir', data, 'status', '--json']]) {
    const r = cli(args);
    expect(r.stderr, args.join(' ')).not.toMatch(/Unknown command/);
    expect(r.status, args.join(' ')).toBe(0);
  }
  expect(cli(['--data-dir', data, 'status']).stdout).toMatch(/^No items yet/);
  // an option no command knows is still refused, naming it
  expect(cli(['--bogus', 'status']).stderr).toMatch(/^Unknown command "--bogus"/);
});

it('an API URL that is not http(s) is refused before anything runs, naming where it came from', () => {
  const data = tmpDir('bad-url');
  dirs.push(data);
  const flag = cli(['status', '--data-dir', data, '--api-url', 'not a url']);
  expect(flag.status).toBe(1);
  expect(flag.stderr).toMatch(/^batch-desk status: --api-url must be an http:\/\/ or https:\/\/ URL \(got "not a url"\)\.$/m);
  const env = spawnSync(process.execPath, [CLI, 'ingest', data, '--batch-id', 'x', '--data-dir', data], {
    encoding: 'utf8',
    env: { ...process.env, ROBOFLOW_API_KEY: 'k', ROBOFLOW_API_URL: 'ftp://example.com' },
  });
  expect(env.status).toBe(1);
  expect(env.stderr).toMatch(/ROBOFLOW_API_URL must be an http:\/\/ or https:\/\/ URL/);
  expect(fs.existsSync(path.join(data, 'items'))).toBe(false); // nothing was created
});
