// `batch-desk … | head`: the reader goes away before the command has written everything. The
// command used to die with an unhandled EPIPE stack trace and exit 1.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

const CLI = path.resolve('dist/cli.js');

it('output into a pipe whose reader has gone ends quietly, with exit 0', () => {
  // `true` exits without reading: every write of the help text meets a closed pipe
  for (let i = 0; i < 3; i++) {
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `'${process.execPath}' '${CLI}' --help | true`], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.status).toBe(0);
  }
});
