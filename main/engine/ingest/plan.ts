// The plan: every file an item will send, written to the item folder before anything is uploaded.
// Files in the item folder:
//   plan.jsonl            one PlanEntry per line, in walk order (images and videos)
//   shards.jsonl          one PlannedShard per line (contiguous runs of image entries)
//   scan-rejections.jsonl Rejections found while walking (and collision renames)
//   plan.json             PlanSummary, written last: its presence means the plan is complete
// The walk streams straight into these files, so memory stays flat however many files there are.

import fs from 'node:fs';
import path from 'node:path';
import type { Rejection } from '../../../shared/domain';
import { writeJsonAtomic, readJson, fsyncDir } from '../atomic-file';
import { replayRecords } from '../journal';
import { LineWriter } from '../line-writer';
import { distinctRoots } from '../walk/roots';
import { walkBatches, type WalkFolder } from '../walk/walker';
import { MAX_BATCH_NAME, NameRegistry, baseBatchName } from './batch-names';
import { TAR_END, tarMemberSize } from './tar-size';

export interface PlanEntry {
  /** Position in the plan (0-based), stable for the item's life. */
  index: number;
  sourcePath: string;
  /** The file's unique name inside the staging batch (images) or the video batch (videos). */
  batchName: string;
  size: number;
  mtimeMs: number;
  kind: 'image' | 'video';
  /** The tar shard that carries it (images); null for videos, which are sent one by one. */
  shard: number | null;
}

export interface PlannedShard {
  index: number;
  /** Plan index of its first entry; its entries are the next `files` image entries of the plan. */
  first: number;
  files: number;
  /** Sum of file sizes. */
  fileBytes: number;
  /** Exact tar size as planned. */
  tarBytes: number;
}

export interface PlanSummary {
  version: 1;
  createdAt: string;
  images: number;
  imageBytes: number;
  videos: number;
  videoBytes: number;
  shards: number;
  /** Files not planned (every reason except renames). */
  rejected: number;
  renamed: number;
  shardFiles: number;
  shardBytes: number;
  /** For the operator: roots left out because another root covers them (absent in older plans). */
  notes?: string[];
}

export const PLAN_FILE = 'plan.jsonl';
export const SHARDS_FILE = 'shards.jsonl';
export const SCAN_REJECTIONS_FILE = 'scan-rejections.jsonl';
export const PLAN_SUMMARY_FILE = 'plan.json';

export interface ScanProgress {
  files: number;
  bytes: number;
  rejected: number;
}

export interface BuildPlanOptions {
  roots: string[];
  followSymlinks: boolean;
  /** Files per shard (capped at 500). */
  shardFiles: number;
  /** Tar bytes per shard. */
  shardBytes: number;
  signal?: AbortSignal;
  onProgress?: (p: ScanProgress) => void;
}

/** Upper bound the service puts on files per archive. */
export const MAX_SHARD_FILES = 500;

export function readPlanSummary(itemDir: string): PlanSummary | undefined {
  return readJson<PlanSummary>(path.join(itemDir, PLAN_SUMMARY_FILE));
}

/**
 * baseBatchName of `[...folder.segments, name]`, computing the folder's part once per folder: when
 * the folder's name and the file's name, each as baseBatchName gives it, joined with "__" fit in
 * MAX_BATCH_NAME, that join is exactly baseBatchName of the whole path (a shortened part is
 * MAX_BATCH_NAME - 1 or more characters long, so the join of one never fits). Otherwise the whole
 * path is named the long way.
 */
class FolderNames {
  private folder: WalkFolder | undefined;
  private prefix = '';
  of(folder: WalkFolder, name: string): string {
    if (folder.segments.length === 0) return baseBatchName([name]);
    if (folder !== this.folder) {
      this.folder = folder;
      this.prefix = baseBatchName(folder.segments) + '__';
    }
    const own = baseBatchName([name]);
    if (this.prefix.length + own.length <= MAX_BATCH_NAME) return this.prefix + own;
    return baseBatchName([...folder.segments, name]);
  }
}

/**
 * Walks the roots and writes the plan. Idempotent: when a complete plan exists it is returned as
 * is (a restart never re-plans, so batch names stay stable); a partial one from a crash is redone.
 */
export async function buildPlan(itemDir: string, opts: BuildPlanOptions): Promise<PlanSummary> {
  const existing = readPlanSummary(itemDir);
  if (existing) return existing;
  fs.mkdirSync(itemDir, { recursive: true });
  const shardFiles = Math.max(1, Math.min(MAX_SHARD_FILES, opts.shardFiles));
  const shardBytes = Math.max(1, opts.shardBytes);
  const { roots, notes } = await distinctRoots(opts.roots);
  const tmp = (f: string) => path.join(itemDir, `${f}.partial`);
  const plan = new LineWriter(tmp(PLAN_FILE));
  const shards = new LineWriter(tmp(SHARDS_FILE));
  const rejections = new LineWriter(tmp(SCAN_REJECTIONS_FILE));
  const names = new NameRegistry();
  const videoNames = new NameRegistry();
  const folderNames = new FolderNames();
  const summary: PlanSummary = {
    version: 1,
    createdAt: new Date().toISOString(),
    images: 0,
    imageBytes: 0,
    videos: 0,
    videoBytes: 0,
    shards: 0,
    rejected: 0,
    renamed: 0,
    shardFiles,
    shardBytes,
    notes,
  };
  let current: PlannedShard | null = null;
  const closeShard = () => {
    if (current) {
      shards.write(current);
      summary.shards++;
      current = null;
    }
  };
  let index = 0;
  let lastProgress = 0;
  try {
    let hidden = 0;
    let hiddenExample = '';
    const onHidden = (p: string) => {
      if (hidden++ === 0) hiddenExample = p;
    };
    for await (const batch of walkBatches(roots, { followSymlinks: opts.followSymlinks, signal: opts.signal, onHidden })) {
      for (const item of batch) {
        if (item.type === 'rejected') {
          rejections.write(item.rejection);
          summary.rejected++;
          continue;
        }
        const wanted = folderNames.of(item.folder, item.name);
        const registry = item.kind === 'image' ? names : videoNames;
        const batchName = registry.claim(wanted, item.sourcePath);
        if (batchName !== wanted) {
          const r: Rejection = {
            sourcePath: item.sourcePath,
            reason: 'renamed-collision',
            message: `Another file already uses the name "${wanted}" in this batch; ${item.sourcePath} is sent as "${batchName}".`,
          };
          rejections.write(r);
          summary.renamed++;
        }
        let shard: number | null = null;
        if (item.kind === 'image') {
          const member = tarMemberSize(batchName, item.size);
          if (current && (current.files >= shardFiles || current.tarBytes + member > shardBytes)) closeShard();
          if (!current) current = { index: summary.shards, first: index, files: 0, fileBytes: 0, tarBytes: TAR_END };
          current.files++;
          current.fileBytes += item.size;
          current.tarBytes += member;
          shard = current.index;
          summary.images++;
          summary.imageBytes += item.size;
        } else {
          summary.videos++;
          summary.videoBytes += item.size;
        }
        const entry: PlanEntry = { index, sourcePath: item.sourcePath, batchName, size: item.size, mtimeMs: item.mtimeMs, kind: item.kind, shard };
        plan.write(entry);
        index++;
        if (opts.onProgress && (index & 1023) === 0) {
          const now = Date.now();
          if (now - lastProgress > 100) {
            lastProgress = now;
            opts.onProgress({ files: index, bytes: summary.imageBytes + summary.videoBytes, rejected: summary.rejected });
          }
        }
      }
    }
    closeShard();
    plan.close();
    shards.close();
    rejections.close();
    // Skipped by rule, not rejected, but said: a hidden image may well have been meant to go.
    if (hidden > 0) {
      summary.notes = [...(summary.notes ?? []), `${hidden} hidden file(s) or folder(s) left out (names starting with "."), such as ${hiddenExample}.`];
    }
  } catch (err) {
    plan.abandon();
    shards.abandon();
    rejections.abandon();
    throw err;
  }
  for (const f of [PLAN_FILE, SHARDS_FILE, SCAN_REJECTIONS_FILE]) fs.renameSync(tmp(f), path.join(itemDir, f));
  fsyncDir(itemDir);
  writeJsonAtomic(path.join(itemDir, PLAN_SUMMARY_FILE), summary);
  opts.onProgress?.({ files: index, bytes: summary.imageBytes + summary.videoBytes, rejected: summary.rejected });
  return summary;
}

/** Every planned file, in plan order (the source path ↔ batch name mapping for joining results). */
export async function* readPlanEntries(itemDir: string): AsyncIterable<PlanEntry> {
  if (!readPlanSummary(itemDir)) return;
  yield* replayRecords<PlanEntry>(path.join(itemDir, PLAN_FILE));
}

export async function* readPlannedShards(itemDir: string): AsyncIterable<PlannedShard> {
  if (!readPlanSummary(itemDir)) return;
  yield* replayRecords<PlannedShard>(path.join(itemDir, SHARDS_FILE));
}

export async function* readScanRejections(itemDir: string): AsyncIterable<Rejection> {
  yield* replayRecords<Rejection>(path.join(itemDir, SCAN_REJECTIONS_FILE));
}

/** The plan grouped by shard, streamed: each image shard with its entries, in order. Videos are skipped. */
export async function* readShardsWithEntries(itemDir: string): AsyncIterable<{ shard: PlannedShard; entries: PlanEntry[] }> {
  const shardIter = readPlannedShards(itemDir)[Symbol.asyncIterator]();
  try {
    let next = await shardIter.next();
    let entries: PlanEntry[] = [];
    for await (const e of readPlanEntries(itemDir)) {
      if (e.kind !== 'image') continue;
      if (next.done) break;
      entries.push(e);
      if (entries.length === next.value.files) {
        yield { shard: next.value, entries };
        entries = [];
        next = await shardIter.next();
      }
    }
  } finally {
    // Iterated by hand, so not closed by a for-await: an upload stopped midway must not keep shards.jsonl open.
    await shardIter.return?.();
  }
}

/** The plan's video entries. */
export async function* readVideoEntries(itemDir: string): AsyncIterable<PlanEntry> {
  for await (const e of readPlanEntries(itemDir)) if (e.kind === 'video') yield e;
}
