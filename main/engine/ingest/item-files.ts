// Read-only views of an item's ingest files for the UI (Files and Progress tabs) and the CLI:
// shard rows, file rows with state, rejections (and as CSV), throughput history.

import fs from 'node:fs';
import path from 'node:path';
import type { FileRow, FileState, Rejection, ShardRow } from '../../../shared/domain';
import { mediaKindOf } from '../../../shared/media';
import { CSV_BOM, csvLine, spreadsheetLine } from '../export/csv';
import { readRecords } from '../journal';
import { NOT_LISTED } from './indexing';
import { IngestState, shardPieceId, videoPieceId, type PieceStatus } from './ingest-journal';
import { SHARDS_FILE, readPlanEntries, readScanRejections, readPlanSummary, type PlanEntry, type PlannedShard } from './plan';

export { readThroughputHistory } from './progress-tracker';

/** Leaf piece ids of a (possibly split) piece. */
function leaves(state: IngestState, id: string): string[] {
  const split = state.splits.get(id);
  return split ? split.flatMap((s) => leaves(state, s.id)) : [id];
}

function leafOfIndex(state: IngestState): Map<number, string> {
  const out = new Map<number, string>();
  const walk = (id: string) => {
    const split = state.splits.get(id);
    if (!split) return;
    for (const s of split) {
      if (state.splits.has(s.id)) walk(s.id);
      else for (const m of s.members) out.set(m, s.id);
    }
  };
  for (const id of state.splits.keys()) walk(id);
  return out;
}

export function readShardRows(itemDir: string): ShardRow[] {
  if (!readPlanSummary(itemDir)) return [];
  const state = IngestState.load(itemDir);
  const shards = readRecords<PlannedShard>(path.join(itemDir, SHARDS_FILE));
  return shards.map((s) => {
    const ids = leaves(state, shardPieceId(s.index));
    const statuses = ids.map((id) => state.pieces.get(id)).filter((p): p is PieceStatus => !!p);
    const attempts = statuses.reduce((a, p) => a + p.attempts, 0);
    let rowState: ShardRow['state'] = 'planned';
    const error = statuses.find((p) => p.lastError && p.state !== 'uploaded')?.lastError;
    if (statuses.length === ids.length && statuses.every((p) => p.state === 'uploaded' || (p.state === 'failed' && /changed or vanished/.test(p.lastError ?? '')))) {
      rowState = state.indexed ? 'indexed' : 'uploaded';
    } else if (statuses.some((p) => p.state === 'failed')) rowState = 'failed';
    else if (statuses.some((p) => p.state === 'uploading' || p.state === 'in-doubt' || p.attempts > 0)) rowState = 'uploading';
    return { index: s.index, files: s.files, bytes: s.fileBytes, state: rowState, attempts, error };
  });
}

function fileState(e: PlanEntry, state: IngestState, leafOf: Map<number, string>): { state: FileState; reason?: string } {
  const ex = state.excluded.get(e.index);
  if (ex) return { state: 'rejected', reason: ex.message };
  const sr = state.serviceRejected.get(e.index);
  if (sr) return { state: 'rejected', reason: sr.type === NOT_LISTED ? `Uploaded, but ${sr.reason}.` : `The service did not accept it (${sr.type}): ${sr.reason}` };
  const id = e.kind === 'video' ? videoPieceId(e.index) : (leafOf.get(e.index) ?? shardPieceId(e.shard ?? -1));
  const p = state.pieces.get(id);
  if (!p) return { state: 'planned' };
  if (p.state === 'uploaded') return { state: state.indexed ? 'indexed' : 'uploaded' };
  if (p.state === 'uploading' || p.state === 'in-doubt' || p.state === 'retry') return { state: p.attempts > 0 ? 'uploading' : 'planned', reason: p.lastError };
  return { state: 'planned', reason: p.lastError };
}

/** A page of the Files tab: plan entries (with their state), then files rejected by the scan. */
export async function readFileRows(itemDir: string, offset: number, limit: number, filter?: FileState): Promise<{ rows: FileRow[]; total: number }> {
  const state = IngestState.load(itemDir);
  const leafOf = leafOfIndex(state);
  const rows: FileRow[] = [];
  let total = 0;
  const take = (row: FileRow) => {
    if (filter && row.state !== filter) return;
    if (total >= offset && rows.length < limit) rows.push(row);
    total++;
  };
  for await (const e of readPlanEntries(itemDir)) {
    const s = fileState(e, state, leafOf);
    take({ sourcePath: e.sourcePath, batchName: e.batchName, size: e.size, kind: e.kind, state: s.state, shard: e.shard, reason: s.reason });
  }
  for await (const r of readScanRejections(itemDir)) {
    if (r.reason === 'renamed-collision') continue;
    take({ sourcePath: r.sourcePath, batchName: null, size: sizeOf(r.sourcePath), kind: mediaKindOf(r.sourcePath), state: 'rejected', shard: null, reason: r.message });
  }
  return { rows, total };
}

function sizeOf(p: string): number {
  try {
    return fs.lstatSync(p).size;
  } catch {
    return 0;
  }
}

/** Every rejection of the item: from the scan (incl. renames, for the record), at send time, and by the service. */
export async function* readRejections(itemDir: string): AsyncIterable<Rejection> {
  yield* readScanRejections(itemDir);
  const state = IngestState.load(itemDir);
  if (state.excluded.size === 0 && state.serviceRejected.size === 0) return;
  for await (const e of readPlanEntries(itemDir)) {
    const ex = state.excluded.get(e.index);
    if (ex) {
      yield { sourcePath: e.sourcePath, reason: ex.reason, message: ex.message };
      continue;
    }
    const sr = state.serviceRejected.get(e.index);
    if (!sr) continue;
    const message =
      sr.type === NOT_LISTED
        ? `${e.sourcePath} was uploaded as "${e.batchName}", but ${sr.reason}.`
        : `The service did not accept ${e.sourcePath} as "${e.batchName}" (${sr.type}): ${sr.reason}`;
    yield { sourcePath: e.sourcePath, reason: 'rejected-by-service', message };
  }
}

/** The rejections as a CSV for spreadsheets, written as results.csv is (a BOM, formula-safe cells). */
export async function rejectionsCsv(itemDir: string): Promise<string> {
  let out = CSV_BOM + csvLine(['source_path', 'reason', 'message']);
  for await (const r of readRejections(itemDir)) out += spreadsheetLine([r.sourcePath, r.reason, r.message]);
  return out;
}
