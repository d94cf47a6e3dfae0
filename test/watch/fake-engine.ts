// A real Engine with stand-in steps, for watch tests that are about files and batches rather than the
// service: the scan step records the item's roots, the others do nothing.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { Engine } from '../../main/engine/pipeline/engine';
import type { Step } from '../../main/engine/pipeline/step';
import { defaultSettings } from '../../main/engine/settings';
import type { WatchSpec } from '../../shared/domain';

const created: string[] = [];
// Registered in every test file that imports this helper: its temp folders go when the file is done.
afterAll(() => {
  for (const d of created.splice(0)) {
    try {
      fs.chmodSync(d, 0o755);
    } catch {
      // already gone (a test moved or removed it)
    }
    fs.rmSync(d, { recursive: true, force: true });
  }
});

export function tempDir(label: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `bd-watch-${label}-`));
  created.push(d);
  return d;
}

export function fakeEngine(dataDir: string): Engine {
  const noop = (stage: Step['stage']): Step => ({ stage, run: async () => undefined });
  return new Engine({
    dataDir,
    steps: [noop('scan'), noop('upload'), noop('indexing'), noop('processing'), noop('export')],
    client: async () => {
      throw new Error('no service in this test');
    },
    settings: () => defaultSettings(dataDir),
  });
}

/** Files per watch item, in creation order (oldest first), as base names. */
export function batchesOf(engine: Engine, watchId?: string): string[][] {
  return engine
    .list()
    .filter((i) => !watchId || i.watchId === watchId)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.batchId.localeCompare(b.batchId))
    .map((i) => i.roots.map((r) => path.basename(r)));
}

export function spec(folder: string, outDir: string, over: Partial<WatchSpec> = {}): WatchSpec {
  return {
    folder,
    filter: 'images',
    job: { workflowId: 'detect-things' },
    outDir,
    rule: { quietSeconds: 0.3, maxFiles: 1000, maxMinutes: 10 },
    reingestChanged: false,
    ...over,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A tiny valid PNG-looking file (content does not matter without the service). */
export function writeImage(dir: string, name: string, bytes = 64): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, Buffer.alloc(bytes, name.length));
  return p;
}
