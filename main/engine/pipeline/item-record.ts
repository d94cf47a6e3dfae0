// An item as it is kept on disk: <dataDir>/items/<id>/item.json, rewritten atomically on every
// state change, beside the steps' own journals in the same folder.

import fs from 'node:fs';
import path from 'node:path';
import {
  STAGES,
  emptyProgress,
  type ItemProgress,
  type ItemSpec,
  type ItemState,
  type ItemSummary,
  type StageName,
  type StageState,
} from '../../../shared/domain';
import type { AppError } from '../../../shared/result';
import { batchIdFromLabel, randomSuffix } from '../../../shared/ids';
import { readJson, writeJsonAtomic } from '../atomic-file';

export interface ItemRecord {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  spec: ItemSpec;
  batchId: string;
  videoBatchId?: string;
  jobId?: string;
  outDir?: string;
  state: ItemState;
  stage: StageName;
  stages: Record<StageName, StageState>;
  error?: AppError;
  progress: ItemProgress;
  warnings: string[];
  expiresAt?: string;
  /**
   * The Roboflow workspace the item belongs to: that of its first connection. Every later client
   * for the item must be of it (Engine.clientForItem). Absent until then, and on items recorded
   * before it was kept (they take the workspace of their next connection).
   */
  workspace?: string;
  /** Facts the steps keep for later steps or a resume (e.g. the export batch id). */
  facts: Record<string, unknown>;
}

export function newItemId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomSuffix(4)}`;
}

export function createItemRecord(spec: ItemSpec, now = new Date()): ItemRecord {
  const name = spec.name ?? defaultName(spec.roots);
  const stages = Object.fromEntries(STAGES.map((s) => [s, 'pending'])) as Record<StageName, StageState>;
  if (spec.pipeline === 'ingest') {
    stages.processing = 'skipped';
    stages.export = 'skipped';
  }
  const iso = now.toISOString();
  return {
    id: newItemId(now),
    name,
    createdAt: iso,
    updatedAt: iso,
    spec,
    batchId: spec.batchId ?? batchIdFromLabel(name),
    outDir: spec.outDir,
    state: 'queued',
    stage: 'scan',
    stages,
    progress: emptyProgress(),
    warnings: [],
    facts: {},
  };
}

function defaultName(roots: string[]): string {
  const first = roots[0] ? path.basename(path.resolve(roots[0])) : 'items';
  return roots.length > 1 ? `${first} +${roots.length - 1}` : first;
}

export function toSummary(r: ItemRecord): ItemSummary {
  return {
    id: r.id,
    name: r.name,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    state: r.state,
    stage: r.stage,
    stages: { ...r.stages },
    pipeline: r.spec.pipeline,
    roots: r.spec.roots,
    batchId: r.batchId,
    videoBatchId: r.videoBatchId,
    jobId: r.jobId,
    outDir: r.outDir,
    watchId: r.spec.watchId,
    progress: r.progress,
    error: r.error,
    expiresAt: r.expiresAt,
    workspace: r.workspace,
    warnings: r.warnings,
  };
}

/** The record kept in an item's folder (steps read their item's settings from it). */
export function readItemRecord(itemDir: string): ItemRecord | undefined {
  return readJson<ItemRecord>(path.join(itemDir, 'item.json'));
}

export function isFinished(state: ItemState): boolean {
  return state === 'done' || state === 'failed' || state === 'cancelled';
}

/** The items folder of a data directory; one sub-folder per item. */
/**
 * The items of a data folder with their folders, newest first; read only (an ItemStore creates the
 * items folder), so a reader such as `batch-desk status` can look without changing anything.
 */
export function* readItemRecords(dataDir: string): Iterable<{ record: ItemRecord; itemDir: string }> {
  const root = path.join(dataDir, 'items');
  let ids: string[];
  try {
    ids = fs.readdirSync(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const id of ids.sort().reverse()) {
    const itemDir = path.join(root, id);
    const record = readItemRecord(itemDir);
    if (record) yield { record, itemDir };
  }
}

export class ItemStore {
  readonly root: string;

  constructor(readonly dataDir: string) {
    this.root = path.join(dataDir, 'items');
    fs.mkdirSync(this.root, { recursive: true });
  }

  itemDir(id: string): string {
    return path.join(this.root, id);
  }

  save(record: ItemRecord): void {
    record.updatedAt = new Date().toISOString();
    writeJsonAtomic(path.join(this.itemDir(record.id), 'item.json'), record);
  }

  load(id: string): ItemRecord | undefined {
    return readItemRecord(this.itemDir(id));
  }

  /** Every item on disk, newest first. */
  list(): ItemRecord[] {
    return [...readItemRecords(this.dataDir)].map((x) => x.record);
  }

  remove(id: string): void {
    fs.rmSync(this.itemDir(id), { recursive: true, force: true });
  }
}
