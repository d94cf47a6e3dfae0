// A small stand-in for the `electron` module, enough for the glue in main/electron and the preload
// to run under vitest (`vi.mock('electron', () => import('./fake-electron'))`). It records what the
// glue asked for so tests can assert on it.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

let nextId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  windowOpenHandler?: (d: { url: string }) => { action: 'allow' | 'deny' };
  sent: [string, unknown][] = [];
  destroyed = false;
  setWindowOpenHandler(h: (d: { url: string }) => { action: 'allow' | 'deny' }) {
    this.windowOpenHandler = h;
  }
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload]);
  }
  isDestroyed() {
    return this.destroyed;
  }
}

export class BrowserWindow extends EventEmitter {
  static created: BrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  loadedUrl?: string;
  constructor(readonly options: Record<string, any>) {
    super();
    BrowserWindow.created.push(this);
  }
  loadURL(url: string) {
    this.loadedUrl = url;
    return Promise.resolve();
  }
  show() {}
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  isDestroyed() {
    return false;
  }
}

type Handler = (event: unknown, ...args: unknown[]) => unknown;
export const ipcMain = {
  handlers: new Map<string, Handler>(),
  handle(channel: string, fn: Handler) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, fn);
  },
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  },
};

export const protocol = {
  privileged: [] as unknown[],
  handlers: new Map<string, (req: Request) => Promise<Response>>(),
  registerSchemesAsPrivileged(s: unknown[]) {
    this.privileged.push(...s);
  },
  handle(scheme: string, fn: (req: Request) => Promise<Response>) {
    this.handlers.set(scheme, fn);
  },
};

export const net = {
  async fetch(url: string) {
    try {
      return new Response(fs.readFileSync(fileURLToPath(url)), { status: 200, headers: { 'content-type': 'text/html' } });
    } catch {
      return new Response('missing', { status: 404 });
    }
  },
};

export const shell = {
  opened: [] as string[],
  shown: [] as string[],
  async openExternal(url: string) {
    this.opened.push(url);
  },
  showItemInFolder(p: string) {
    this.shown.push(p);
  },
};

export class FakeSession {
  requestHandler?: (wc: unknown, permission: string, cb: (granted: boolean) => void, details: { requestingUrl: string; isMainFrame: boolean }) => void;
  checkHandler?: (wc: unknown, permission: string, requestingOrigin: string, details: { isMainFrame: boolean; requestingUrl?: string; embeddingOrigin?: string }) => boolean;
  setPermissionRequestHandler(h: FakeSession['requestHandler']) {
    this.requestHandler = h;
  }
  setPermissionCheckHandler(h: FakeSession['checkHandler']) {
    this.checkHandler = h;
  }
}
export const session = { defaultSession: new FakeSession() };

class FakeApp extends EventEmitter {
  loginItems: unknown[] = [];
  paths = new Map<string, string>();
  lockRequested = false;
  sandboxed = false;
  isPackaged = false;
  getAppPath() {
    return '/fake/app';
  }
  requestSingleInstanceLock() {
    this.lockRequested = true;
    return true;
  }
  setPath(name: string, p: string) {
    this.paths.set(name, p);
  }
  enableSandbox() {
    this.sandboxed = true;
  }
  whenReady() {
    return Promise.resolve();
  }
  getPath(name: string) {
    const p = this.paths.get(name);
    if (!p) throw new Error(`no path ${name}`);
    return p;
  }
  quits = 0;
  exitCode?: number;
  quit() {
    this.quits++;
  }
  exit(code = 0) {
    this.exitCode = code;
  }
  setLoginItemSettings(s: unknown) {
    this.loginItems.push(s);
  }
}
export const app = new FakeApp();

export const dialog = {
  errorBoxes: [] as [string, string][],
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
  showErrorBox(title: string, content: string) {
    this.errorBoxes.push([title, content]);
  },
};
export class Tray extends EventEmitter {
  static made: Tray[] = [];
  tooltip = '';
  constructor() {
    super();
    Tray.made.push(this);
  }
  setToolTip(t: string) {
    this.tooltip = t;
  }
  setContextMenu() {}
  destroy() {}
}
export const Menu = { buildFromTemplate: (t: unknown) => t };
export class Notification extends EventEmitter {
  static shown: { title: string; body: string }[] = [];
  /** Weakly, as Electron holds them: a test can tell whether the glue keeps a notification alive. */
  static made: WeakRef<Notification>[] = [];
  static isSupported() {
    return true;
  }
  constructor(readonly opts: { title: string; body: string }) {
    super();
    Notification.made.push(new WeakRef(this));
  }
  show() {
    Notification.shown.push(this.opts);
  }
}
export const nativeImage = { createFromBitmap: () => ({}), createEmpty: () => ({}) };
export const powerSaveBlocker = {
  active: new Set<number>(),
  next: 1,
  start() {
    const id = this.next++;
    this.active.add(id);
    return id;
  },
  stop(id: number) {
    this.active.delete(id);
  },
};

// Renderer-side modules, for the preload.
export const exposed = new Map<string, unknown>();
export const contextBridge = {
  exposeInMainWorld(key: string, api: unknown) {
    exposed.set(key, api);
  },
};
/** Wires the preload's ipcRenderer to the fake ipcMain, as one trusted main frame would. */
export const rendererFrame = { webContents: new FakeWebContents(), url: 'app://batch-desk/index.html', parent: null as unknown };
export const ipcRenderer = Object.assign(new EventEmitter(), {
  invoke(channel: string, ...args: unknown[]) {
    const h = ipcMain.handlers.get(channel);
    if (!h) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    const event = { sender: rendererFrame.webContents, senderFrame: { url: rendererFrame.url, parent: rendererFrame.parent } };
    return Promise.resolve(h(event, ...args));
  },
});
export const webUtils = {
  getPathForFile(f: { path?: string }) {
    if (!f || typeof f.path !== 'string') throw new TypeError('not a File');
    return f.path;
  },
};
