// The desktop app's start-up when it cannot start: another process (`batch-desk watch` in a
// terminal, say) holds the data folder. The operator is told why in a dialog and the app exits
// with a failure code, rather than running with no window and no word.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron'));

import * as fake from './fake-electron';
import { startDesktopApp } from '../../main/electron/app';
import { tempDir } from '../host/fixture';

const saved = process.env.BATCH_DESK_DATA_DIR;
// A live process of this machine, standing for the other Batch Desk.
const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });

afterAll(() => {
  process.env.BATCH_DESK_DATA_DIR = saved;
  other.kill();
});

describe('desktop start-up failure', () => {
  it('shows why in an error box and exits non-zero when another process holds the data folder', async () => {
    const dataDir = tempDir('bd-desktop-locked-');
    fs.writeFileSync(path.join(dataDir, 'engine.lock'), JSON.stringify({ pid: other.pid, host: os.hostname(), startedAt: '2026-11-30T09:00:00.000Z' }));
    process.env.BATCH_DESK_DATA_DIR = dataDir;

    startDesktopApp({ preload: '/dist/electron/preload.cjs', rendererDir: path.join(dataDir, 'renderer') }, undefined);

    await vi.waitFor(() => expect(fake.app.exitCode).toBe(1));
    expect(fake.dialog.errorBoxes).toEqual([
      ['Batch Desk could not start', expect.stringContaining(`Another Batch Desk process (pid ${other.pid}, since 2026-11-30T09:00:00.000Z) is using the data folder ${dataDir}.`)],
    ]);
    expect(fake.BrowserWindow.created).toHaveLength(0);
    // The other process's lock is left alone.
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'engine.lock'), 'utf8')).pid).toBe(other.pid);
  });
});
