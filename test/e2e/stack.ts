// Test fixtures: for each test, the Roboflow API emulator (its own process, `timeScale 0`) and
// `batch-desk serve` pointed at it with a fresh data dir; the page opens the printed URL with its token.
// No OS keychain is offered to serve (no D-Bus session), so keys are kept in memory.

import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makePng } from '../emulator/fixtures';

export const API_KEY = 'e2e-key-7f3a9c';
export const WORKSPACE = 'e2e-works';
const ROOT = path.resolve(import.meta.dirname, '../..');
export const SCREENS = path.join(ROOT, 'test/artifacts/screens');

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts a process and waits for the first `http://…` URL on its stdout matching `pattern`. */
function startPrinting(cmd: string, args: string[], env: NodeJS.ProcessEnv, pattern: RegExp, what: string): Promise<Running> {
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} printed no URL within 30 s:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${out}`));
    });
  });
}

async function stop(r: Running | undefined): Promise<void> {
  if (!r || r.child.exitCode !== null) return;
  const exited = new Promise((resolve) => r.child.once('exit', resolve));
  r.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  if (r.child.exitCode === null) r.child.kill('SIGKILL');
}

export interface Stack {
  appUrl: string;
  emulatorUrl: string;
  /** Scratch space for source folders and output folders. */
  workDir: string;
  setFaults(config: unknown): Promise<void>;
  serveOutput(): string;
}

/** A folder of `count` small distinct PNGs, plus any extra files given by name → contents. */
export function makeImageFolder(dir: string, count: number, extra: Record<string, string | Buffer> = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dir, `img-${String(i).padStart(4, '0')}.png`), makePng({ width: 8 + (i % 8), height: 8, seed: i }));
  for (const [name, body] of Object.entries(extra)) fs.writeFileSync(path.join(dir, name), body);
  return dir;
}

export const test = base.extend<{ stack: Stack; consolePage: Page }>({
  stack: async ({}, use, testInfo) => {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-desk-e2e-'));
    const env = { ...process.env };
    delete env.DBUS_SESSION_BUS_ADDRESS; // no keychain: keys stay in memory, the first run says so
    delete env.ROBOFLOW_API_KEY;
    let emulator: Running | undefined;
    let serve: Running | undefined;
    try {
      emulator = await startPrinting(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'test/emulator/cli.ts', '--api-key', API_KEY, '--workspace', WORKSPACE, '--time-scale', '0'], env, /listening on (http:\/\/\S+)/, 'The emulator');
      serve = await startPrinting(process.execPath, ['dist/cli.js', 'serve', '--port', '0', '--data-dir', path.join(workDir, 'data')], { ...env, ROBOFLOW_API_URL: emulator.url }, /running at (http:\/\/\S+)/, 'batch-desk serve');
      const emulatorUrl = emulator.url;
      const serveRun = serve;
      await use({
        appUrl: serve.url,
        emulatorUrl,
        workDir,
        serveOutput: () => serveRun.output(),
        async setFaults(config) {
          const res = await fetch(`${emulatorUrl}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) });
          expect(res.status, await res.text()).toBe(200);
        },
      });
    } finally {
      if (testInfo.status !== testInfo.expectedStatus && serve) await testInfo.attach('serve output', { body: serve.output() });
      await stop(serve);
      await stop(emulator);
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  },
  consolePage: async ({ page, stack }, use) => {
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    await page.goto(stack.appUrl);
    await use(page);
    // A console that throws or logs errors while the operator works is a defect even if the screen looks right.
    expect(problems, problems.join('\n')).toEqual([]);
  },
});

export { expect };

/** First run through the UI: paste the key, keep it in memory, see the workspace, open the queue. */
export async function signIn(page: Page): Promise<void> {
  await page.getByLabel('Roboflow API key').fill(API_KEY);
  await page.getByLabel('Keep the key in memory for this session only').check();
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('status')).toContainText(`Connected to workspace ${WORKSPACE}`);
  await page.getByRole('button', { name: 'Open the queue' }).click();
  await expect(page.getByRole('heading', { name: 'Queue' })).toBeVisible();
}

/** Adds a folder by path (a browser has no paths of its own) and waits for its row. */
export async function addFolder(page: Page, folder: string): Promise<void> {
  await page.getByRole('button', { name: 'Add folder' }).first().click();
  await page.getByLabel('Folder path on the machine running Batch Desk').fill(folder);
  await expect(page.locator('.preview-line')).toContainText('→ new item');
  await page.getByRole('button', { name: 'Add to queue' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(queueRow(page, path.basename(folder))).toBeVisible();
}

export function queueRow(page: Page, name: string) {
  return page.locator('.qrow', { has: page.locator('.qname-text', { hasText: new RegExp(`^${name}$`) }) });
}

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`) });
}
