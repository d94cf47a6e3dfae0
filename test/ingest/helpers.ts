// Shared by the ingest tests: the emulator, trees of real image files in temp folders, and an
// in-process Engine with the real ingest steps tuned for speed.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator, type FaultConfig } from '../emulator/server';
import { makePng } from '../emulator/fixtures';
import { Engine } from '../../main/engine/pipeline/engine';
import { createIngestSteps } from '../../main/engine/ingest/steps';
import type { IngestTuning } from '../../main/engine/ingest/uploader';
import { RoboflowClient } from '../../main/engine/roboflow/client';
import { defaultSettings } from '../../main/engine/settings';
import { readPlanEntries, type PlanEntry } from '../../main/engine/ingest/plan';
import type { ItemSpec, ItemSummary, TransferSettings } from '../../shared/domain';

export const KEY = 'ingest-test-key';

export const FAST: Partial<IngestTuning> = {
  stallMs: 5000,
  retry: { baseMs: 20, maxMs: 200, maxAttempts: 12 },
  reconcileGraceMs: 0,
  pollMinMs: 10,
  pollMaxMs: 100,
};

export function tmpDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bd-${label}-`));
}

export function startEmu(faults?: FaultConfig, limits?: { maxTarBytes?: number; maxVideoBytes?: number }): Promise<Emulator> {
  return startEmulator({ apiKeys: [KEY], timeScale: 0, faults, limits });
}

const pngCache = new Map<string, Buffer>();
/** A small valid PNG (about `bytes` long), distinct per seed. */
export function png(seed: number | string, bytes = 600): Buffer {
  const k = `${seed}:${bytes}`;
  let b = pngCache.get(k);
  if (!b) {
    b = makePng({ width: 4, height: 4, seed, minBytes: bytes });
    pngCache.set(k, b);
  }
  return b;
}

export function writeFile(root: string, rel: string, data: Buffer | string): string {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
  return p;
}

/** `count` PNG files spread over nested folders: `<root>/d<i%dirs>/sub<i%3>/img_<i>.png`. */
export function makeTree(root: string, count: number, opts: { dirs?: number; bytes?: number } = {}): string[] {
  const dirs = opts.dirs ?? 10;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(writeFile(root, `d${i % dirs}/sub${i % 3}/img_${String(i).padStart(5, '0')}.png`, png(i, opts.bytes)));
  }
  return out;
}

export function createEngine(emu: Emulator, dataDir: string, tuning: Partial<IngestTuning> = {}, transfer: Partial<TransferSettings> = {}): Engine {
  const settings = defaultSettings(dataDir);
  settings.transfer = { ...settings.transfer, ...transfer };
  return new Engine({
    dataDir,
    steps: createIngestSteps({ ...FAST, ...tuning }),
    client: () => RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY, retry: { baseMs: 10, maxMs: 100, maxAttempts: 8 } }),
    settings: () => settings,
    progressIntervalMs: 20,
  });
}

export async function runItem(engine: Engine, spec: Omit<ItemSpec, 'pipeline'>): Promise<ItemSummary> {
  const s = engine.add({ pipeline: 'ingest', ...spec });
  return engine.waitFor(s.id);
}

export async function planEntries(itemDir: string): Promise<PlanEntry[]> {
  const out: PlanEntry[] = [];
  for await (const e of readPlanEntries(itemDir)) out.push(e);
  return out;
}

/** Every planned image is in the batch exactly once, and nothing else was received. */
export async function expectExactlyOnce(emu: Emulator, batchId: string, names: string[]): Promise<{ missing: string[]; duplicated: string[]; unexpected: string[] }> {
  const files = (await emu.inspect.files(batchId)) ?? [];
  const byName = new Map(files.map((f) => [f.name, f]));
  const want = new Set(names);
  return {
    missing: names.filter((n) => !byName.has(n)),
    duplicated: files.filter((f) => f.receivedCount !== 1).map((f) => `${f.name}×${f.receivedCount}`),
    unexpected: files.filter((f) => !want.has(f.name)).map((f) => f.name),
  };
}
