// After the last upload: poll the service (count and shards, quick at first, backing off to a
// ceiling) until every sent file is indexed or rejected. Per-file rejections come from the shards'
// statusMetadata; the `indexed` figures shown are the service's own numbers. A real service lists
// shards and videos late, so files it has not listed are reported only after the waits of the tuning.

import type { StepContext } from '../pipeline/step';
import type { Journal } from '../journal';
import { sleep } from '../retry';
import { shardFailures, shardSettled, type StagingApi } from '../roboflow/staging';
import { type IngestRecord, type IngestState, now, shardPieceId, videoPieceId } from './ingest-journal';
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

/** Uploaded pieces of one kind (`s`: image shards, `v`: videos); each is one shard or video on the service. */
function uploadedPieces(state: IngestState, prefix: 's' | 'v'): number {
  let n = 0;
  for (const p of state.pieces.values()) if (p.id.startsWith(prefix) && p.state === 'uploaded') n++;
  return n;
}

/** The `type` of a file the service never listed: delivered as far as we know, neither indexed nor refused. */
export const NOT_LISTED = 'not-listed';

export async function waitForIndexing(
  ctx: StepContext,
  staging: StagingApi,
  journal: Journal<IngestRecord>,
  state: IngestState,
  tuning: IngestTuning,
): Promise<IndexingResult> {
  const batchId = ctx.item.batchId;
  const videoBatchId = ctx.item.videoBatchId;
  const sentImages = await sentImageCount(ctx.itemDir, state);
  const sentShards = uploadedPieces(state, 's');
  const sentVideos = videoBatchId ? uploadedPieces(state, 'v') : 0;
  const sent = sentImages + sentVideos;
  let delay = tuning.pollMinMs;
  let failures = new Map<string, { type: string; reason: string }>();
  let imageCount = 0;
  let videoCount = 0;
  let indexedShards = 0;
  // Counts mean something only once every shard sent is listed and indexed: a real service lists late.
  let shardsIn = sentImages === 0;
  const startedAt = Date.now();
  let changedAt = startedAt;
  let last = '';
  for (;;) {
    if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('cancelled');
    failures = new Map();
    if (sentImages > 0) {
      let listed = 0;
      indexedShards = 0;
      for await (const shard of staging.iterateShards(batchId, { signal: ctx.signal })) {
        listed++;
        if (shardSettled(shard)) indexedShards++;
        for (const f of shardFailures(shard)) failures.set(f.fileName, { type: f.type, reason: f.reason });
      }
      shardsIn = indexedShards === listed && listed >= sentShards;
      imageCount = await staging.count(batchId, undefined, ctx.signal);
    }
    if (sentVideos > 0) videoCount = await staging.count(videoBatchId!, undefined, ctx.signal);
    const seen = imageCount + videoCount;
    ctx.progress({ indexed: { done: Math.min(seen, sent), total: sent } });
    const accounted = Math.min(sentImages, imageCount + failures.size) + Math.min(sentVideos, videoCount);
    if (shardsIn && accounted >= sent) break;
    const at = Date.now();
    const mark = `${shardsIn}:${indexedShards}:${imageCount}:${failures.size}:${videoCount}`;
    if (mark !== last) [last, changedAt] = [mark, at];
    // Every shard in, yet files unaccounted (or a video unlisted): once counts stay put as long as the
    // service may lag, what is missing is final.
    if (shardsIn && at - changedAt >= tuning.reconcileGraceMs) break;
    // Shards unlisted or never settling: wait for a lagging service, but not forever.
    if (at - startedAt >= tuning.indexingTimeoutMs) break;
    await sleep(delay, ctx.signal);
    delay = Math.min(tuning.pollMaxMs, Math.ceil(delay * 1.6));
  }

  // Map the service's per-file failures back to plan entries, once each; then what it never listed.
  let rejected = 0;
  const listed = imageCount + failures.size < sentImages ? await listedNames(staging, batchId, ctx.signal) : null;
  const videosListed = videoCount < sentVideos ? await listedNames(staging, videoBatchId!, ctx.signal) : null;
  const waited = Date.now() - startedAt;
  const after = waited >= 120_000 ? `${Math.round(waited / 60_000)} min` : `${Math.round(waited / 1000)} s`;
  const unlisted = { type: NOT_LISTED, reason: `the service never listed it (${indexedShards} of ${sentShards} shards listed and indexed after ${after})` };
  const records: IngestRecord[] = [];
  for await (const e of readPlanEntries(ctx.itemDir)) {
    if (state.excluded.has(e.index)) continue;
    let miss: { type: string; reason: string } | undefined;
    if (e.kind === 'video') {
      const uploaded = state.pieces.get(videoPieceId(e.index))?.state === 'uploaded';
      if (uploaded && videosListed && !videosListed.has(e.batchName)) miss = { type: NOT_LISTED, reason: `the service never listed it in batch ${videoBatchId}` };
      // refused when its URL was asked for (uploader.ts): journaled then, counted here with the rest
      else if (!uploaded) miss = state.serviceRejected.get(e.index);
    } else {
      miss = failures.get(e.batchName);
      if (!miss && listed && !listed.has(e.batchName) && wasSent(e.index, e.shard, state)) {
        miss = shardsIn ? { type: 'missing', reason: 'not in the batch after indexing finished' } : unlisted;
      }
    }
    if (!miss) continue;
    rejected++;
    if (!state.serviceRejected.has(e.index)) records.push({ t: 'service-rejected', index: e.index, batchName: e.batchName, ...miss, at: now() });
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
  for await (const f of staging.iterateContent(batchId, { signal })) names.add(f.fileName);
  return names;
}
