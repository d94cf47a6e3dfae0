// The desktop app's start-up, against the fake `electron` module: one instance, sandbox everywhere,
// the app:// scheme, every permission denied but clipboard writes, every channel registered, and
// the window locked down and pointed at app://. The data folder is the one the command line uses.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron'));

import * as fake from './fake-electron';
import { startDesktopApp } from '../../main/electron/app';
import { INVOKE_CHANNELS } from '../../shared/contract';
import { tempDir } from '../host/fixture';

const dataDir = tempDir('bd-desktop-');
const saved = process.env.BATCH_DESK_DATA_DIR;

afterAll(async () => {
  process.env.BATCH_DESK_DATA_DIR = saved;
  // Quit closes the host (the engine stops at a journaled point).
  fake.app.emit('before-quit', { preventDefault: () => undefined });
  await new Promise((r) => setTimeout(r, 100));
});

describe('desktop start-up', () => {
  it('wires everything once the app is ready', async () => {
    process.env.BATCH_DESK_DATA_DIR = dataDir;
    fs.mkdirSync(path.join(dataDir, 'renderer'), { recursive: true });
    startDesktopApp({ preload: '/dist/electron/preload.cjs', rendererDir: path.join(dataDir, 'renderer') }, undefined);
    expect(fake.app.paths.get('userData')).toBe(dataDir);
    expect(fake.app.lockRequested).toBe(true);
    expect(fake.app.sandboxed).toBe(true);
    expect(fake.protocol.privileged).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 50)); // whenReady().then(...)

    // Only clipboard writes from our renderer's main frame: the Copy buttons.
    const check = fake.session.defaultSession.checkHandler!;
    expect(check(null, 'clipboard-sanitized-write', 'app://batch-desk/', { isMainFrame: true })).toBe(true);
    expect(check(null, 'clipboard-read', 'app://batch-desk/', { isMainFrame: true })).toBe(false);
    expect(fake.session.defaultSession.requestHandler).toBeTypeOf('function');
    expect(fake.protocol.handlers.has('app')).toBe(true);
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
    const win = fake.BrowserWindow.created.at(-1)!;
    expect(win.loadedUrl).toBe('app://batch-desk/index.html');
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: '/dist/electron/preload.cjs' });

    // The window's own renderer is answered; its data dir is the shared one.
    const info = (await fake.ipcMain.handlers.get('app:info')!(
      { sender: win.webContents, senderFrame: { url: 'app://batch-desk/index.html', parent: null } },
      {},
    )) as { ok: boolean; value: { mode: string; dataDir: string } };
    expect(info).toMatchObject({ ok: true, value: { mode: 'desktop', dataDir } });
    expect(fs.existsSync(path.join(dataDir, 'items'))).toBe(true);
  });

  it('stays in the tray when the window closes while a watch runs, and quits once every watch is paused', async () => {
    const win = fake.BrowserWindow.created.at(-1)!;
    const frame = { sender: win.webContents, senderFrame: { url: 'app://batch-desk/index.html', parent: null } };
    const invoke = (channel: string, args: unknown) => fake.ipcMain.handlers.get(channel)!(frame, args) as Promise<any>;
    const closeWindow = async () => {
      fake.app.emit('window-all-closed');
      await new Promise((r) => setTimeout(r, 50));
    };
    const spec = {
      folder: tempDir('bd-desktop-watch-'),
      filter: 'images',
      job: { workflowId: 'wf' },
      outDir: tempDir('bd-desktop-watch-out-'),
      rule: { quietSeconds: 30, maxFiles: 100, maxMinutes: 10 },
      reingestChanged: false,
    };
    const added = await invoke('watches:add', spec);
    expect(added.ok, JSON.stringify(added)).toBe(true);
    const quits = fake.app.quits;

    // The queue is idle, but the watch is work: quitting would stop it until the next launch.
    await closeWindow();
    expect(fake.app.quits).toBe(quits);

    expect(await invoke('watches:pause', { id: added.value.id })).toMatchObject({ ok: true, value: { state: 'paused' } });
    await closeWindow();
    expect(fake.app.quits).toBe(quits + 1);
  });
});
