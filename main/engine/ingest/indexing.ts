// After the last upload: poll the service (count and shards, quick at first, backing off to a
// ceiling) until every sent file is indexed or rejected. Per-file rejections come from the shards'
// statusMetadata; the `indexed` figures shown are the service's own numbers.

import type { StepContext } from '../pipeline/step';
import type { Journal } from '../journal';
import { sleep } from '../retry';
import { shardFailures, shardSettled, type StagingApi } from '../roboflow/staging';
import { type IngestRecord, type IngestState, now, shardPieceId } from './ingest-journal';
import { readPlanEntries, readShardsWithEntries } from './plan';
import type { IngestTuning } from './uploader';

export interface IndexingResult {
  sent: number;
  indexed: number;
  rejected: number;
}

/** Image files this item actually delivered (members of uploaded pieces, minus exclusions). */
async function sentImageCount(itemDir: string, state: IngestState): Promise<number> {
  let sent = 0;
  for await (const { shard, entries } of readShardsWithEntries(itemDir)) {
    const countLeaves = (id: string, members: number[]): number => {
      const split = state.splits.get(id);
      if (split) return split.reduce((a, s) => a + countLeaves(s.id, s.members), 0);
      if (state.pieces.get(id)?.state !== 'uploaded') return 0;
      return members.filter((i) => !state.excluded.has(i)).length;
    };
    sent += countLeaves(
      shardPieceId(shard.index),
      entries.map((e) => e.index),
    );
  }
  return sent;
}

function uploadedVideos(state: IngestState): number {
  let n = 0;
  for (const p of state.pieces.values()) if (p.id.startsWith('v') && p.state === 'uploaded') n++;
  return n;
}

export async function waitForIndexing(
  ctx: StepContext,
  staging: StagingApi,
  journal: Journal<IngestRecord>,
  state: IngestState,
  tuning: IngestTuning,
): Promise<IndexingResult> {
  const batchId = ctx.item.batchId;
  const sentImages = await sentImageCount(ctx.itemDir, state);
  const sentVideos = uploadedVideos(state);
  const sent = sentImages + sentVideos;
  let delay = tuning.pollMinMs;
  let failures = new Map<string, { type: string; reason: string }>();
  let imageCount = 0;
  let videoCount = 0;
  let lastSeen = -1;
  let stableRounds = 0;
  for (;;) {
    if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('cancelled');
    let settled = true;
    failures = new Map();
    if (sentImages > 0) {
      for await (const shard of staging.iterateShards(batchId, { signal: ctx.signal })) {
        if (!shardSettled(shard)) settled = false;
        for (const f of shardFailures(shard)) failures.set(f.fileName, { type: f.type, reason: f.reason });
      }
      imageCount = await staging.count(batchId, undefined, ctx.signal);
    }
    if (sentVideos > 0 && ctx.item.videoBatchId) videoCount = await staging.count(ctx.item.videoBatchId, undefined, ctx.signal);
    const seen = imageCount + videoCount;
    ctx.progress({ indexed: { done: Math.min(seen, sent), total: sent } });
    const accounted = Math.min(sentImages, imageCount + failures.size) + Math.min(sentVideos, videoCount);
    if (settled && accounted >= sent) break;
    // Everything settled but files are missing: after a few unchanged rounds, stop waiting and report them.
    if (settled && seen === lastSeen) {
      if (++stableRounds >= 5) break;
    } else {
      stableRounds = 0;
    }
    lastSeen = seen;
    await sleep(delay, ctx.signal);
    delay = Math.min(tuning.pollMaxMs, Math.ceil(delay * 1.6));
  }

  // Map the service's per-file failures back to plan entries, once each.
  let rejected = 0;
  const missingCheck = imageCount + failures.size < sentImages;
  const listed = missingCheck ? await listedNames(staging, batchId, ctx.signal) : null;
  const records: IngestRecord[] = [];
  for await (const e of readPlanEntries(ctx.itemDir)) {
    if (e.kind !== 'image' || state.excluded.has(e.index)) continue;
    const f = failures.get(e.batchName);
    if (f) {
      rejected++;
      if (!state.serviceRejected.has(e.index)) records.push({ t: 'service-rejected', index: e.index, batchName: e.batchName, type: f.type, reason: f.reason, at: now() });
    } else if (listed && !listed.has(e.batchName) && wasSent(e.index, e.shard, state)) {
      rejected++;
      if (!state.serviceRejected.has(e.index)) {
        records.push({ t: 'service-rejected', index: e.index, batchName: e.batchName, type: 'missing', reason: 'not in the batch after indexing finished', at: now() });
      }
    }
  }
  const done: IngestRecord = { t: 'indexed', indexed: imageCount, rejected, videos: videoCount, at: now() };
  records.push(done);
  journal.appendMany(records);
  for (const r of records) state.apply(r);
  ctx.progress({ indexed: { done: Math.min(imageCount + videoCount, sent), total: sent } });
  return { sent, indexed: imageCount + videoCount, rejected };
}

function wasSent(index: number, shard: number | null, state: IngestState): boolean {
  if (shard === null) return false;
  const check = (id: string): boolean => {
    const split = state.splits.get(id);
    if (split) return split.some((s) => s.members.includes(index) && check(s.id));
    return state.pieces.get(id)?.state === 'uploaded';
  };
  return check(shardPieceId(shard));
}

async function listedNames(staging: StagingApi, batchId: string, signal: AbortSignal): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const f of staging.iterateContent(batchId, { pageSize: 1000, signal })) names.add(f.fileName);
  return names;
}
