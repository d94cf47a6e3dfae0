// An item's upload progress as its files on disk tell it: the plan's totals and the pieces its
// ingest journal says were uploaded. item.json keeps the progress only as of its last save (a state
// change), while the journal is appended before and after every PUT, so a reader in another process
// (`batch-desk status`), or one after a kill -9, gets the files and bytes sent so far from here.
// Counts only what landed: a piece still in flight adds nothing until the journal says `uploaded`.

import type { Counter } from '../../../shared/domain';
import { IngestState, shardPieceId, videoPieceId } from './ingest-journal';
import { readPlanEntries, readPlanSummary, readPlannedShards, type PlanSummary } from './plan';

export interface JournaledUploadProgress {
  files: Counter;
  bytes: Counter;
  /** Files left out: by the scan, at send time, or by the service. */
  rejected: number;
}

/** Undefined until the plan is complete (the scan's own counts are all there is then). */
export async function readJournaledUploadProgress(itemDir: string): Promise<JournaledUploadProgress | undefined> {
  const summary = readPlanSummary(itemDir);
  if (!summary) return undefined;
  const state = IngestState.load(itemDir);
  const totals = uploadTotals(summary, state);
  const done = wholeShardsOnly(state) ? await uploadedFromShards(itemDir, state) : await uploadedFromPlan(itemDir, state);
  return {
    files: { done: done.files, total: totals.files },
    bytes: { done: done.bytes, total: totals.bytes },
    rejected: totals.rejected,
  };
}

/**
 * The upload's totals, as the uploader sets them and as status reads them: the plan minus the files
 * left out at send time or refused unsent by the service; every file left out counted as rejected.
 */
export function uploadTotals(summary: PlanSummary, state: IngestState): { files: number; bytes: number; rejected: number } {
  let files = summary.images + summary.videos - state.excluded.size;
  let bytes = summary.imageBytes + summary.videoBytes;
  for (const e of state.excluded.values()) bytes -= e.size ?? 0;
  for (const r of state.serviceRejected.values()) {
    if (r.unsentBytes === undefined) continue;
    files--;
    bytes -= r.unsentBytes;
  }
  return { files, bytes, rejected: summary.rejected + state.excluded.size + state.serviceRejected.size };
}

/**
 * The common case (no split, no file left out, no video sent): every uploaded piece is a planned
 * shard whole, so shards.jsonl (one line per shard) is enough and plan.jsonl (one per file) is not read.
 */
function wholeShardsOnly(state: IngestState): boolean {
  if (state.splits.size > 0 || state.excluded.size > 0) return false;
  for (const p of state.pieces.values()) if (p.state === 'uploaded' && !/^s\d+$/.test(p.id)) return false;
  return true;
}

async function uploadedFromShards(itemDir: string, state: IngestState): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for await (const s of readPlannedShards(itemDir)) {
    if (state.pieces.get(shardPieceId(s.index))?.state !== 'uploaded') continue;
    files += s.files;
    bytes += s.fileBytes;
  }
  return { files, bytes };
}

/** File by file: each planned file counts when the piece that carried it (after any split) is uploaded and it was not left out. */
async function uploadedFromPlan(itemDir: string, state: IngestState): Promise<{ files: number; bytes: number }> {
  const leafOf = splitLeafOfFile(state);
  let files = 0;
  let bytes = 0;
  for await (const e of readPlanEntries(itemDir)) {
    if (state.excluded.has(e.index)) continue;
    const piece = e.kind === 'video' ? videoPieceId(e.index) : (leafOf.get(e.index) ?? shardPieceId(e.shard ?? -1));
    if (state.pieces.get(piece)?.state !== 'uploaded') continue;
    files++;
    bytes += e.size;
  }
  return { files, bytes };
}

/** Plan index → the piece that finally carries it, for files of split shards (splits may nest). */
function splitLeafOfFile(state: IngestState): Map<number, string> {
  const out = new Map<number, string>();
  for (const parts of state.splits.values()) {
    for (const part of parts) {
      if (state.splits.has(part.id)) continue; // split again: its own parts name the files
      for (const index of part.members) out.set(index, part.id);
    }
  }
  return out;
}
