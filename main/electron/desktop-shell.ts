// What only a desktop app does: a tray icon with the overall state, desktop notifications when an
// item finishes or fails, keeping the machine awake while transfers run, and start at login.

import { Menu, Notification, Tray, app, nativeImage, powerSaveBlocker, type NativeImage } from 'electron';
import type { ItemSummary } from '../../shared/domain';
import type { Host } from '../host/host';
import type { SettingsStore } from '../engine/settings';
import { setLinuxAutostart } from './linux-autostart';

/**
 * The queue's overall state in one line, for the tray tooltip. Failures count from `since` (the
 * app's start): an item that failed last week stays in History, not in the tray's line for good.
 */
export function overallState(items: ItemSummary[], since = ''): { label: string; busy: boolean } {
  const count = (s: ItemSummary['state']) => items.filter((i) => i.state === s).length;
  const running = count('running');
  const waiting = count('waiting');
  const queued = count('queued');
  const failed = items.filter((i) => i.state === 'failed' && i.updatedAt >= since).length;
  const parts: string[] = [];
  if (running) parts.push(`${running} running`);
  if (waiting) parts.push(`${waiting} waiting on the service`);
  if (queued) parts.push(`${queued} queued`);
  if (failed) parts.push(`${failed} failed`);
  return { label: parts.length ? `Batch Desk — ${parts.join(', ')}` : 'Batch Desk — idle', busy: running > 0 };
}

function trayIcon(): NativeImage {
  // A 16×16 filled circle in the accent colour, drawn as BGRA pixels: no icon file to ship.
  const size = 16;
  const buf = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = (x - 7.5) ** 2 + (y - 7.5) ** 2 <= 7 ** 2;
      const i = (y * size + x) * 4;
      buf[i] = 0xd6; // B
      buf[i + 1] = 0x7a; // G
      buf[i + 2] = 0x2e; // R
      buf[i + 3] = inside ? 0xff : 0;
    }
  }
  return nativeImage.createFromBitmap(buf, { width: size, height: size });
}

export interface DesktopShellOptions {
  host: Host;
  settings: SettingsStore;
  listItems: () => ItemSummary[];
  showWindow: () => void;
}

export function startDesktopShell(opts: DesktopShellOptions): () => void {
  let blockerId: number | undefined;
  let tray: Tray | undefined;
  try {
    tray = new Tray(trayIcon());
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Show Batch Desk', click: opts.showWindow },
        { type: 'separator' },
        { label: 'Quit', click: () => app.quit() },
      ]),
    );
    tray.on('click', opts.showWindow);
  } catch {
    tray = undefined; // no system tray on this desktop
  }

  const shown = new Set<Notification>();
  const startedAt = new Date().toISOString();
  const refresh = () => {
    const { label, busy } = overallState(opts.listItems(), startedAt);
    tray?.setToolTip(label);
    if (busy && blockerId === undefined) blockerId = powerSaveBlocker.start('prevent-app-suspension');
    if (!busy && blockerId !== undefined) {
      powerSaveBlocker.stop(blockerId);
      blockerId = undefined;
    }
  };
  refresh();

  const unsubscribe = opts.host.subscribe((event, payload) => {
    if (event === 'queue:item' || event === 'queue:removed') refresh();
    if (event === 'notice' && opts.settings.get().notifications && Notification.isSupported()) {
      const n = payload as { level: string; message: string };
      if (n.level !== 'info' || /is done/.test(n.message)) {
        const note = new Notification({ title: n.level === 'error' ? 'Batch Desk — failed' : 'Batch Desk', body: n.message });
        // Electron holds a shown notification only weakly: once collected, its click does nothing
        // (electron/electron#16922). Keep it until it is clicked or closed.
        shown.add(note);
        // Not every platform reports 'close': the oldest go once many are kept.
        if (shown.size > 50) shown.delete(shown.values().next().value!);
        note.on('click', () => {
          shown.delete(note);
          opts.showWindow();
        });
        note.on('close', () => shown.delete(note));
        note.show();
      }
    }
  });

  return () => {
    unsubscribe();
    if (blockerId !== undefined) powerSaveBlocker.stop(blockerId);
    tray?.destroy();
  };
}

/** Start at login (hidden, in the tray) so watches keep running. */
export function applyStartAtLogin(enabled: boolean): void {
  if (process.platform !== 'linux') {
    app.setLoginItemSettings({ openAtLogin: enabled, args: ['--hidden'] });
    return;
  }
  // An AppImage's own binary lives in a mount that changes on every start: the AppImage is what runs.
  const program = process.env.APPIMAGE ?? app.getPath('exe');
  setLinuxAutostart(enabled, app.isPackaged ? [program, '--hidden'] : [program, app.getAppPath(), '--hidden']);
}
