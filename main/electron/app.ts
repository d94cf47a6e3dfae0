// The desktop app's lifecycle: one instance, the app:// renderer, the host over the user-data
// folder, IPC through the validating wrapper, and the desktop extras. Everything here is glue; the
// behaviour lives in main/host and main/engine.

import path from 'node:path';
import { BrowserWindow, app, dialog, session, shell } from 'electron';
import { createAppHost, type AppHost } from '../host/app-host';
import { defaultDataDir } from '../cli/command';
import { redact } from '../engine/secrets';
import { applyStartAtLogin, startDesktopShell } from './desktop-shell';
import { TrustedSenders, forwardEvents, registerIpcHandlers } from './ipc';
import { hardenWebContents, registerAppScheme, restrictPermissions, serveRenderer } from './security';
import { createMainWindow } from './window';

export interface DesktopPaths {
  preload: string;
  rendererDir: string;
}

/** dist/electron/main.cjs sits beside preload.cjs; the renderer is dist/renderer. */
export function defaultPaths(dir: string): DesktopPaths {
  return { preload: path.join(dir, 'preload.cjs'), rendererDir: path.join(dir, '..', 'renderer') };
}

export function startDesktopApp(paths: DesktopPaths, devServerUrl = process.env.BATCH_DESK_DEV_URL): void {
  // One data folder for the app and the `batch-desk` command line, so `batch-desk status/resume` see
  // the app's items and the CLI finds the app's keychain profile. Set before the single-instance
  // lock, which lives in it.
  app.setPath('userData', process.env.BATCH_DESK_DATA_DIR ?? defaultDataDir());
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.enableSandbox();
  registerAppScheme();

  const trusted = new TrustedSenders();
  let window: BrowserWindow | undefined;
  let appHost: AppHost | undefined;
  const cleanups: (() => void)[] = [];

  const showWindow = () => {
    if (!window || window.isDestroyed()) {
      window = createMainWindow(paths.preload, devServerUrl);
      trusted.add(window.webContents);
    }
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };

  app.on('second-instance', showWindow);
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents));

  app.whenReady().then(() => {
    restrictPermissions(session.defaultSession, devServerUrl);
    serveRenderer(paths.rendererDir);
    appHost = createAppHost({
      dataDir: app.getPath('userData'),
      platform: {
        mode: 'desktop',
        pickFolder: async (title) => {
          const opts = { title: title ?? 'Choose a folder', properties: ['openDirectory' as const, 'createDirectory' as const] };
          const r = window && !window.isDestroyed() ? await dialog.showOpenDialog(window, opts) : await dialog.showOpenDialog(opts);
          return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0]!;
        },
        showItemInFolder: (p) => shell.showItemInFolder(p),
        setStartAtLogin: applyStartAtLogin,
      },
    });
    const host = appHost.host;
    const engine = appHost.engine;
    cleanups.push(registerIpcHandlers(host, trusted, appHost.log.child('ipc'), devServerUrl));
    cleanups.push(forwardEvents(host, trusted));
    cleanups.push(startDesktopShell({ host, settings: appHost.settings, listItems: () => engine.list(), showWindow }));
    // Rewritten at each start while on, as the app may have moved; turning it off acts when the setting changes.
    if (appHost.settings.get().startAtLogin) applyStartAtLogin(true);
    if (!process.argv.includes('--hidden')) showWindow();
  }).catch(async (err: unknown) => {
    // There is no window yet and nothing else would tell the operator (another process holding
    // the data folder, say): show why, release what did start, and exit with a failure code.
    dialog.showErrorBox('Batch Desk could not start', redact(err instanceof Error ? err.message : String(err)));
    for (const c of cleanups.splice(0).reverse()) c();
    await appHost?.close().catch(() => undefined);
    app.exit(1);
  });

  // Closing the window keeps the app in the tray while work or watches are running: quitting
  // would stop the watches until the next launch, and nothing would say so.
  const keepsRunning = async (h: AppHost): Promise<boolean> => {
    const busy = h.engine.list().some((s) => !['done', 'failed', 'cancelled', 'paused'].includes(s.state));
    return busy || ((await h.watches?.list()) ?? []).some((w) => w.state !== 'paused');
  };
  app.on('window-all-closed', () => {
    if (process.platform === 'darwin') return;
    void (appHost ? keepsRunning(appHost) : Promise.resolve(false)).then((keep) => {
      if (!keep) app.quit();
    });
  });
  app.on('activate', showWindow);

  let closing = false;
  app.on('before-quit', (event) => {
    if (closing || !appHost) return;
    closing = true;
    event.preventDefault();
    for (const c of cleanups.reverse()) c();
    // Steps stop at a journaled point; the next start resumes them.
    appHost.close().finally(() => app.quit());
  });
}
