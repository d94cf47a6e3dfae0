// The Electron glue, run against a small fake of the `electron` module: the window is locked down,
// navigation, new windows and every permission but clipboard writes are refused, IPC from anything
// but our renderer's main frame is refused before the host sees it, and a dropped folder becomes a
// queue item.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron'));

import * as fake from './fake-electron';
import { createMainWindow, mainWindowOptions } from '../../main/electron/window';
import { hardenWebContents, registerAppScheme, restrictPermissions, serveRenderer } from '../../main/electron/security';
import { RENDERER_CSP } from '../../main/renderer-csp';
import { TrustedSenders, forwardEvents, registerIpcHandlers } from '../../main/electron/ipc';
import { INVOKE_CHANNELS } from '../../shared/contract';
import { silentLogger } from '../../main/engine/log';
import { startEmulator, type Emulator } from '../emulator/server';
import { makePng } from '../emulator/fixtures';
import { tempDir, testApp } from '../host/fixture';

const KEY = 'glue-test-key-5678';
let emulator: Emulator;
let app: ReturnType<typeof testApp>;
let trusted: TrustedSenders;
let win: fake.BrowserWindow;
let unregister: () => void;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [KEY], timeScale: 0 });
  app = testApp({ env: { ROBOFLOW_API_KEY: KEY, ROBOFLOW_API_URL: emulator.url }, platform: { mode: 'desktop', showItemInFolder: (p) => fake.shell.showItemInFolder(p) } });
  trusted = new TrustedSenders();
  win = createMainWindow('/app/dist/electron/preload.cjs') as unknown as fake.BrowserWindow;
  trusted.add(win.webContents as never);
  unregister = registerIpcHandlers(app.host, trusted, silentLogger);
});

afterAll(async () => {
  unregister?.();
  await app?.close();
  await emulator?.stop();
});

function eventFrom(wc: { id: number }, url = 'app://batch-desk/index.html', parent: unknown = null) {
  return { sender: wc, senderFrame: { url, parent } };
}

async function call(channel: string, args: unknown, event = eventFrom(win.webContents)) {
  const handler = fake.ipcMain.handlers.get(channel)!;
  return (await handler(event, args)) as { ok: boolean; value?: any; error?: { code: string; message: string } };
}

describe('main window', () => {
  it('is locked down: context isolation, sandbox, no Node integration, web security on', () => {
    const prefs = mainWindowOptions('/p.cjs').webPreferences!;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(win.options.webPreferences.preload).toBe('/app/dist/electron/preload.cjs');
    expect(win.loadedUrl).toBe('app://batch-desk/index.html');
  });

  it('refuses navigation, redirects and webviews', () => {
    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = { preventDefault: vi.fn() };
      win.webContents.emit(name, event, 'https://evil.example/');
      expect(event.preventDefault, name).toHaveBeenCalled();
    }
  });

  it('refuses window.open; only http(s) links go to the browser', () => {
    const wc = new fake.FakeWebContents();
    hardenWebContents(wc as never);
    expect(wc.windowOpenHandler!({ url: 'https://docs.roboflow.com/' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(fake.shell.opened).toEqual(['https://docs.roboflow.com/']);
  });

  describe('permissions: clipboard writes from our renderer main frame, nothing else', () => {
    const DEV = 'http://localhost:5173';
    const s = new fake.FakeSession();
    restrictPermissions(s as never, DEV);
    /** What the request handler and the check handler answer, as Electron calls them. */
    function answers(permission: string, pageUrl: string, isMainFrame = true) {
      const cb = vi.fn();
      s.requestHandler!(null, permission, cb, { requestingUrl: pageUrl, isMainFrame });
      // The check gets the frame's origin as Chromium spells it: `app://batch-desk/`, `http://localhost:5173/`.
      const origin = /^[a-z]+:\/\/[^/]*/.exec(pageUrl)?.[0].concat('/') ?? 'null';
      const check = s.checkHandler!(null, permission, origin, { isMainFrame, requestingUrl: pageUrl });
      expect(cb).toHaveBeenCalledOnce();
      return { request: cb.mock.calls[0]![0] as boolean, check };
    }

    it('allows clipboard-sanitized-write for app:// and the dev server, from the main frame', () => {
      expect(answers('clipboard-sanitized-write', 'app://batch-desk/index.html')).toEqual({ request: true, check: true });
      expect(answers('clipboard-sanitized-write', `${DEV}/index.html`)).toEqual({ request: true, check: true });
    });

    it('denies it to a sub-frame and to any other origin', () => {
      expect(answers('clipboard-sanitized-write', 'app://batch-desk/index.html', false)).toEqual({ request: false, check: false });
      for (const url of ['https://evil.example/', 'app://batch-desk.evil.example/', 'file:///app/dist/renderer/index.html', 'http://localhost:5174/', 'not a url']) {
        expect(answers('clipboard-sanitized-write', url), url).toEqual({ request: false, check: false });
      }
      // No dev server configured (production): its origin is a stranger too.
      const prod = new fake.FakeSession();
      restrictPermissions(prod as never);
      expect(prod.checkHandler!(null, 'clipboard-sanitized-write', `${DEV}/`, { isMainFrame: true })).toBe(false);
    });

    it('denies every other permission, clipboard-read included, even to our renderer', () => {
      for (const p of ['clipboard-read', 'deprecated-sync-clipboard-read', 'media', 'geolocation', 'notifications', 'openExternal', 'fileSystem', 'unknown']) {
        expect(answers(p, 'app://batch-desk/index.html'), p).toEqual({ request: false, check: false });
      }
    });
  });

  it('serves the renderer from app:// with a strict CSP and never outside its folder', async () => {
    const dir = tempDir('bd-renderer-');
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Batch Desk</title>');
    fs.writeFileSync(path.join(path.dirname(dir), 'secret.txt'), 'secret');
    registerAppScheme();
    expect(fake.protocol.privileged).toContainEqual({ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } });
    serveRenderer(dir);
    const handle = fake.protocol.handlers.get('app')!;
    const ok = await handle(new Request('app://batch-desk/index.html'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toBe(RENDERER_CSP);
    expect(await ok.text()).toContain('Batch Desk');
    const escape = await handle(new Request('app://batch-desk/..%2Fsecret.txt'));
    expect(escape.status).toBe(404);
    expect((await handle(new Request('app://other-host/index.html'))).status).toBe(404);
  });
});

describe('IPC sender validation', () => {
  it('registers one handler per contract channel, and nothing else', () => {
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
  });

  it('answers our renderer main frame', async () => {
    const r = await call('app:info', {});
    expect(r.ok).toBe(true);
    expect(r.value.mode).toBe('desktop');
  });

  it('refuses a frame from another origin, a sub-frame, an unknown window and a vanished frame', async () => {
    const stranger = new fake.FakeWebContents();
    const cases = [
      eventFrom(win.webContents, 'https://evil.example/index.html'),
      eventFrom(win.webContents, 'app://batch-desk.evil.example/index.html'),
      eventFrom(win.webContents, 'file:///app/dist/renderer/index.html'),
      eventFrom(win.webContents, 'app://batch-desk/index.html', { url: 'app://batch-desk/index.html' }),
      eventFrom(stranger),
      { sender: win.webContents, senderFrame: null },
    ];
    const before = app.engine.list().length;
    for (const event of cases) {
      const r = await call('queue:add', { roots: [tempDir('bd-x-')], pipeline: 'ingest' }, event as never);
      expect(r.ok, JSON.stringify(event.senderFrame)).toBe(false);
      expect(r.error!.code).toBe('unauthorized');
    }
    // The host never saw those calls: no item was created.
    expect(app.engine.list().length).toBe(before);
  });

  it('forgets a window once it is destroyed', async () => {
    const other = new fake.FakeWebContents();
    trusted.add(other as never);
    expect((await call('app:info', {}, eventFrom(other))).ok).toBe(true);
    other.emit('destroyed');
    expect((await call('app:info', {}, eventFrom(other))).error!.code).toBe('unauthorized');
  });
});

describe('drop → preload → main → queue item', () => {
  it('a dropped folder becomes an Engine item; a path that does not exist is refused plainly', async () => {
    const folder = tempDir('bd-drop-');
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(folder, `d${i}.png`), makePng({ seed: `drop${i}` }));
    // The preload as the renderer sees it, wired to the fake ipcMain as our main frame.
    fake.rendererFrame.webContents = win.webContents;
    await import('../../preload/index');
    const api = fake.exposed.get('batchDesk') as Record<string, any>;

    const roots = api.pathsForDroppedFiles([{ path: folder }, { notAFile: true }]);
    expect(roots).toEqual([folder]);
    const r = await api['queue:add']({ roots, pipeline: 'ingest' });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const item = app.engine.get(r.value.id);
    expect(item?.spec.roots).toEqual([folder]);
    expect(app.engine.list().some((s) => s.id === r.value.id)).toBe(true);

    const missing = path.join(folder, 'gone');
    const bad = await api['queue:add']({ roots: [missing], pipeline: 'ingest' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(bad.error.message).toContain(missing);
    expect(bad.error.message).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  });
});

describe('preload bridge', () => {
  it('exposes one function per channel plus subscribe, and no generic invoke/send/on', async () => {
    await import('../../preload/index');
    const api = fake.exposed.get('batchDesk') as Record<string, unknown>;
    const keys = Object.keys(api).sort();
    expect(keys).toEqual([...INVOKE_CHANNELS, 'subscribe', 'pathsForDroppedFiles'].sort());
    for (const k of ['invoke', 'send', 'on', 'ipcRenderer']) expect(api[k]).toBeUndefined();
  });

  it('subscribe only accepts contract events, hands over the payload only, and unsubscribes', async () => {
    const api = fake.exposed.get('batchDesk') as { subscribe: (e: string, l: (...a: unknown[]) => void) => () => void };
    expect(() => api.subscribe('ipc:anything', () => undefined)).toThrow(/Unknown event channel/);
    const seen: unknown[][] = [];
    const off = api.subscribe('notice', (...args) => seen.push(args));
    fake.ipcRenderer.emit('notice', { sender: 'IpcRendererEvent' }, { level: 'info', message: 'hi' });
    off();
    fake.ipcRenderer.emit('notice', { sender: 'IpcRendererEvent' }, { level: 'info', message: 'after' });
    expect(seen).toEqual([[{ level: 'info', message: 'hi' }]]);
  });

  it('host events reach trusted windows', async () => {
    const stop = forwardEvents(app.host, trusted);
    win.webContents.sent.length = 0;
    await call('profiles:select', { id: 'environment' });
    stop();
    expect(win.webContents.sent.map(([c]) => c)).toContain('profiles:changed');
  });
});
