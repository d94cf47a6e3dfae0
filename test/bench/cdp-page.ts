// One tab of a CdpBrowser (cdp-browser.ts): what the benchmarks do with a page, over its flattened
// protocol session. Only the Page, Runtime, Emulation, Input, Tracing and IO domains are used (and
// Profiler by the caller); never Network, whose inspection costs the page (see cdp-browser.ts).

import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CdpSession, Json } from './cdp-browser';

/** The keys press() knows: DOM key and code, and the Windows virtual key code Chromium wants. */
const KEYS = { End: { key: 'End', code: 'End', windowsVirtualKeyCode: 35 } } as const;

/** Between two tries of a Node-side wait, as Playwright's waitForSelector backs off (ms). */
const BACKOFF = [0, 20, 50, 100, 100, 500];

/**
 * The expression that calls `fn` (its source, as Playwright's page.evaluate sends it) with `arg`.
 * tsx compiles with esbuild's keepNames, which wraps named inner functions in `__name(...)`: a no-op
 * `__name` in scope keeps the source working in any page.
 */
function callExpression(fn: (arg: never) => unknown, arg?: unknown): string {
  return `((__name) => (${fn})(${arg === undefined ? '' : JSON.stringify(arg)}))((f) => f)`;
}

/** Whether `selector` matches an element with a non-empty box that is not visibility:hidden (Playwright's "visible"). */
function isVisible(selector: string): boolean {
  const e = document.querySelector(selector);
  if (!e) return false;
  const box = e.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(e).visibility === 'visible';
}

/**
 * The centre of the `nth` element matching `selector`, scrolled into view if it is not (as
 * Playwright does before it acts), once its box is the same in two frames running; null if absent.
 */
async function centreOf({ selector, nth }: { selector: string; nth: number }): Promise<{ x: number; y: number } | null> {
  const e = document.querySelectorAll(selector)[nth] as (Element & { scrollIntoViewIfNeeded(centre: boolean): void }) | undefined;
  if (!e) return null;
  e.scrollIntoViewIfNeeded(true);
  let last = '';
  for (;;) {
    await new Promise((r) => requestAnimationFrame(r));
    const box = e.getBoundingClientRect();
    const now = `${box.x},${box.y},${box.width},${box.height}`;
    if (now === last) return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    last = now;
  }
}

/** An exception's first line ("TypeError: ..."), else the protocol's text for it. */
function describe(details: { text: string; exception?: { description?: string } }): string {
  return details.exception?.description?.split('\n')[0] ?? details.text;
}

export class CdpPage {
  /** Where the mouse is: wheel events happen there. */
  private mouse = { x: 0, y: 0 };

  constructor(readonly session: CdpSession) {}

  /** Called by CdpBrowser.newPage, before the page loads anything. */
  async init(viewport: { width: number; height: number }): Promise<void> {
    await Promise.all([
      this.send('Page.enable'),
      this.send('Page.setLifecycleEventsEnabled', { enabled: true }), // load events by navigation
      this.send('Runtime.enable'), // exceptions (onPageError)
      // As in Playwright's pages: the tab counts as focused whatever the window manager says.
      this.send('Emulation.setFocusEmulationEnabled', { enabled: true }),
      // Headless Chromium's window keeps room for a toolbar it does not draw (a 1440x900 window has an
      // 1440x813 viewport), so the viewport is set as Playwright sets it, screen included.
      this.send('Emulation.setDeviceMetricsOverride', {
        ...viewport,
        deviceScaleFactor: 1,
        mobile: false,
        screenWidth: viewport.width,
        screenHeight: viewport.height,
        screenOrientation: { angle: 0, type: 'landscapePrimary' },
      }),
    ]);
  }

  send(method: string, params: object = {}): Promise<Json> {
    return this.session.send(method, params);
  }

  /** Calls `listener` with the message of each exception the page does not catch. */
  onPageError(listener: (message: string) => void): void {
    this.session.on('Runtime.exceptionThrown', ({ exceptionDetails }) => listener(describe(exceptionDetails)));
  }

  /** Runs in every document this page loads from now on, before its own scripts. */
  async addInitScript(script: string | (() => void)): Promise<void> {
    await this.send('Page.addScriptToEvaluateOnNewDocument', { source: typeof script === 'string' ? script : callExpression(script) });
  }

  /** Navigates and waits for the new document's load event. */
  async goto(url: string, timeoutMs = 30_000): Promise<void> {
    // Load events by navigation (loaderId): the one asked for may be reported before Page.navigate's reply.
    const loaded = new Set<string>();
    let check = () => {};
    const off = this.session.on('Page.lifecycleEvent', ({ name, loaderId }) => {
      if (name !== 'load') return;
      loaded.add(loaderId);
      check();
    });
    try {
      const { loaderId, errorText } = await this.send('Page.navigate', { url });
      if (errorText) throw new Error(`Could not load ${url}: ${errorText}`);
      const done = new Promise<void>((resolve) => {
        check = () => {
          if (loaded.has(loaderId)) resolve();
        };
        check();
      });
      await withTimeout(done, timeoutMs, `load of ${url}`);
    } finally {
      off();
    }
  }

  /**
   * Runs `fn(arg)` in the page (from its source text, so it must not use anything from this file)
   * and returns its result, awaited if a promise, by value (JSON-like).
   */
  evaluate<R>(fn: () => R): Promise<Awaited<R>>;
  evaluate<R, A>(fn: (arg: A) => R, arg: A): Promise<Awaited<R>>;
  async evaluate(fn: (arg: never) => unknown, arg?: unknown): Promise<unknown> {
    return this.evaluateExpression(callExpression(fn, arg));
  }

  /** Waits until `fn()` is truthy in the page, testing it at every animation frame (Playwright's default polling). */
  async waitForFunction(fn: () => unknown, timeoutMs = 30_000): Promise<void> {
    await this.evaluateExpression(`new Promise((resolve, reject) => {
      const deadline = performance.now() + ${timeoutMs};
      const poll = () => {
        try {
          if (${callExpression(fn)}) return resolve();
        } catch (e) {
          return reject(e);
        }
        if (performance.now() > deadline) return reject(new Error('waitForFunction timed out after ${timeoutMs} ms'));
        requestAnimationFrame(poll);
      };
      poll();
    })`);
  }

  /** Waits until `selector` matches a visible element, asking from here with Playwright's backoff. */
  async waitForSelector(selector: string, timeoutMs = 30_000): Promise<void> {
    await this.retry(() => this.evaluate(isVisible, selector), `${selector} to be visible`, timeoutMs);
  }

  /** How many elements match `selector`. */
  count(selector: string): Promise<number> {
    return this.evaluate((s) => document.querySelectorAll(s).length, selector);
  }

  /** Moves the mouse to the centre of the `nth` element matching `selector`. */
  async hover(selector: string, nth = 0): Promise<void> {
    const at = await this.retry(() => this.evaluate(centreOf, { selector, nth }), `${selector} #${nth}`);
    await this.mouseEvent({ type: 'mouseMoved', ...at });
  }

  /** A left click at the centre of the `nth` element matching `selector`. */
  async click(selector: string, nth = 0): Promise<void> {
    await this.hover(selector, nth);
    await this.mouseEvent({ type: 'mousePressed', button: 'left', buttons: 1, clickCount: 1 });
    await this.mouseEvent({ type: 'mouseReleased', button: 'left', buttons: 0, clickCount: 1 });
  }

  /** Turns the mouse wheel where the mouse is (positive deltaY scrolls down). */
  async wheel(deltaX: number, deltaY: number): Promise<void> {
    await this.mouseEvent({ type: 'mouseWheel', deltaX, deltaY });
  }

  /** Presses and releases a key that types no text. */
  async press(name: keyof typeof KEYS): Promise<void> {
    const key = KEYS[name];
    await this.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', ...key });
    await this.send('Input.dispatchKeyEvent', { type: 'keyUp', ...key });
  }

  /** Starts recording a Chromium trace of these categories (as Playwright's browser.startTracing(page)). */
  async startTracing(categories: string[]): Promise<void> {
    await this.send('Tracing.start', { transferMode: 'ReturnAsStream', categories: categories.join(',') });
  }

  /** Stops the trace and writes it to `file` (JSON, as Chromium streams it). */
  async stopTracing(file: string): Promise<void> {
    const complete = this.session.once('Tracing.tracingComplete');
    await this.send('Tracing.end');
    const { stream } = await complete;
    const out = fs.openSync(file, 'w');
    try {
      for (;;) {
        const { data, base64Encoded, eof } = await this.send('IO.read', { handle: stream, size: 1 << 20 });
        fs.writeSync(out, Buffer.from(data, base64Encoded ? 'base64' : 'utf8'));
        if (eof) break;
      }
    } finally {
      fs.closeSync(out);
      await this.send('IO.close', { handle: stream });
    }
  }

  private async evaluateExpression(expression: string): Promise<unknown> {
    const { result, exceptionDetails } = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (exceptionDetails) throw new Error(`In the page: ${describe(exceptionDetails)}`);
    return result.value;
  }

  private async mouseEvent(event: { type: string; x?: number; y?: number; [field: string]: unknown }): Promise<void> {
    if (event.x !== undefined && event.y !== undefined) this.mouse = { x: event.x, y: event.y };
    await this.send('Input.dispatchMouseEvent', { ...this.mouse, ...event });
  }

  /** Tries `attempt` until it gives something truthy (Playwright's backoff between tries). */
  private async retry<T>(attempt: () => Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; ; i++) {
      const result = await attempt();
      if (result) return result;
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(BACKOFF[Math.min(i, BACKOFF.length - 1)]);
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for the ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
