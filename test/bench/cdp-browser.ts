// Chromium driven over the DevTools protocol on its pipe, without Playwright. Playwright sends
// `Network.enable` to every page, and with network inspection on Chromium both sends the driver
// every server-sent message and keeps (then decodes) a copy of the event-stream body: DevTools'
// costs, not the console's (see renderer-longtask.ts). This client never enables the Network domain.
//
// One browser process per CdpBrowser, with a throw-away profile. Messages on the pipe are JSON, each
// ended by a NUL byte; Chromium reads commands on its fd 3 and writes replies and events on fd 4.
// Pages are attached as flattened sessions: their commands carry a `sessionId` on the same pipe.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CdpPage } from './cdp-page';

// Protocol results and event parameters are whatever Chromium sends; callers name the fields they read.
export type Json = any;
type Listener = (params: Json) => void;

/**
 * The switches Playwright 1.65 passes (chromiumSwitches, plus its headless ones) that matter for
 * timing or for a quiet browser, so figures stay comparable with those measured through Playwright.
 */
const SWITCHES = [
  '--headless',
  // No first tab: the bench opens its own (a default tab could load the new-tab page).
  '--no-startup-window',
  // A tab the browser thinks is hidden or in the background gets its timers and frames throttled.
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-renderer-backgrounding',
  // The same features on every run, whatever field trials this build ships with.
  '--disable-field-trial-config',
  // PaintHolding delays the first paint of a navigation; the rest are background work at start-up.
  '--disable-features=PaintHolding,OptimizationHints,NetworkTimeServiceQuerying,AimEnabled,PreconnectToSearch,LensOverlay,MediaRouter,HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,DestroyProfileOnBrowserClose',
  '--enable-features=SkipListAccountsWithoutGaiaCookies',
  // Background work and prompts a fresh profile would otherwise start with.
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-extensions',
  '--disable-component-extensions-with-background-pages',
  '--disable-default-apps',
  '--disable-breakpad',
  '--metrics-recording-only',
  '--no-service-autorun',
  '--password-store=basic', // no keyring over D-Bus at start
  '--disable-hang-monitor',
  '--disable-ipc-flooding-protection',
  '--disable-dev-shm-usage',
  '--force-color-profile=srgb',
  // As Playwright's headless pages: no scrollbar takes layout width, and the page has a mouse that hovers.
  '--hide-scrollbars',
  '--mute-audio',
  '--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4',
];

/** One protocol session: the browser's own (no id) or a page's (flattened, by sessionId). */
export class CdpSession {
  constructor(
    private readonly connection: CdpConnection,
    readonly id: string | undefined,
  ) {}

  send(method: string, params: object = {}): Promise<Json> {
    return this.connection.send(method, params, this.id);
  }

  /** Calls `listener` with each `event`'s parameters; returns the function that stops it. */
  on(event: string, listener: Listener): () => void {
    return this.connection.listen(event, this.id, listener);
  }

  /** The next `event`'s parameters. */
  once(event: string): Promise<Json> {
    return new Promise((resolve) => {
      const off = this.on(event, (params) => {
        off();
        resolve(params);
      });
    });
  }
}

/** Requests and events over the pipe: replies matched by id, events by session and method. */
class CdpConnection {
  private nextId = 1;
  private readonly pending = new Map<number, { method: string; resolve(r: Json): void; reject(e: Error): void }>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly partial: Buffer[] = [];
  private closedWith: Error | null = null;

  constructor(
    private readonly out: Writable,
    input: Readable,
  ) {
    input.on('data', (chunk: Buffer) => {
      let from = 0;
      for (let end = chunk.indexOf(0); end !== -1; end = chunk.indexOf(0, from)) {
        this.partial.push(chunk.subarray(from, end));
        this.dispatch(JSON.parse(Buffer.concat(this.partial).toString('utf8')));
        this.partial.length = 0;
        from = end + 1;
      }
      if (from < chunk.length) this.partial.push(chunk.subarray(from));
    });
    input.on('close', () => this.close(new Error('Chromium closed its DevTools pipe')));
    // A write after Chromium has gone fails here; the request is rejected by close().
    out.on('error', () => {});
  }

  send(method: string, params: object, sessionId: string | undefined): Promise<Json> {
    if (this.closedWith) return Promise.reject(new Error(`${method}: ${this.closedWith.message}`));
    const id = this.nextId++;
    this.out.write(JSON.stringify({ id, method, params, sessionId }) + '\0');
    return new Promise((resolve, reject) => this.pending.set(id, { method, resolve, reject }));
  }

  listen(event: string, sessionId: string | undefined, listener: Listener): () => void {
    const key = `${sessionId ?? ''} ${event}`;
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  close(error: Error): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const { method, reject } of this.pending.values()) reject(new Error(`${method}: ${error.message}`));
    this.pending.clear();
  }

  private dispatch(message: { id?: number; result?: Json; error?: { message: string }; method?: string; params?: Json; sessionId?: string }): void {
    if (message.id !== undefined) {
      const request = this.pending.get(message.id);
      if (!request) return;
      this.pending.delete(message.id);
      if (message.error) request.reject(new Error(`${request.method}: ${message.error.message}`));
      else request.resolve(message.result);
      return;
    }
    for (const listener of this.listeners.get(`${message.sessionId ?? ''} ${message.method}`) ?? []) listener(message.params);
  }
}

export class CdpBrowser {
  /** The browser's own session (Target, SystemInfo.getProcessInfo, Browser). */
  readonly session: CdpSession;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly connection: CdpConnection,
    private readonly userDataDir: string,
  ) {
    this.session = new CdpSession(connection, undefined);
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve()); // could not be started
    });
  }

  /**
   * Starts Chromium (`BATCH_DESK_CHROMIUM`, else Debian's /usr/bin/chromium) with `args` after our
   * switches. Its browser process is a child of this one, so cpu-accounting.ts finds the whole
   * tree under process.pid (the launcher script execs the browser, so `pid` is the browser itself).
   */
  static async launch(args: string[] = []): Promise<CdpBrowser> {
    const exe = process.env.BATCH_DESK_CHROMIUM ?? '/usr/bin/chromium';
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-desk-chromium-'));
    const child = spawn(exe, [...SWITCHES, ...args, `--user-data-dir=${userDataDir}`, '--remote-debugging-pipe'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    });
    // Chromium logs to stderr; drained so it never blocks on a full pipe, its tail kept for errors.
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const connection = new CdpConnection(child.stdio[3] as Writable, child.stdio[4] as Readable);
    child.once('exit', (code, signal) => connection.close(new Error(`Chromium exited (${signal ?? code})`)));
    child.once('error', (e) => connection.close(e));
    // Whatever happens to this script, no browser outlives it.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    const browser = new CdpBrowser(child, connection, userDataDir);
    try {
      await browser.session.send('Browser.getVersion'); // answered once the browser is up
    } catch (e) {
      await browser.close();
      throw new Error(`Could not start ${exe}: ${(e as Error).message}\n${stderr}`);
    }
    return browser;
  }

  /** The browser process's id (the root of its renderer, GPU and utility processes). */
  get pid(): number {
    return this.child.pid!;
  }

  /**
   * A new tab in a fresh browser context (as Playwright's browser.newPage), attached as a flattened
   * session, its viewport `viewport` CSS px (see CdpPage.init).
   */
  async newPage(viewport: { width: number; height: number }): Promise<CdpPage> {
    const { browserContextId } = await this.session.send('Target.createBrowserContext');
    const { targetId } = await this.session.send('Target.createTarget', { url: 'about:blank', browserContextId });
    const { sessionId } = await this.session.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new CdpPage(new CdpSession(this.connection, sessionId));
    await page.init(viewport);
    return page;
  }

  /** Browser.close, then SIGKILL if it has not exited within 5 s; removes its profile. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.session.send('Browser.close').catch(() => {}); // the pipe may close before the reply
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.userDataDir, { recursive: true, force: true });
  }
}
