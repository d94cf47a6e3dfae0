// Upload progress read from an item's plan and ingest journal (what `batch-desk status` shows beside
// a running process or after a crash): whole shards from shards.jsonl alone, and, once shards were
// split, files left out or videos sent, file by file from the plan.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournaledUploadProgress } from '../../main/engine/ingest/journaled-upload-progress';
import type { IngestRecord } from '../../main/engine/ingest/ingest-journal';
import type { PlanEntry, PlanSummary, PlannedShard } from '../../main/engine/ingest/plan';
import { useScratch } from '../helpers/scratch';

const scratch = useScratch();
const at = '2026-11-29T08:00:00.000Z';

const lines = (records: unknown[]) => records.map((r) => JSON.stringify(r) + '\n').join('');

/** An item folder with 3 shards of 2 images (sizes 100·(i+1)), and a video at index 6 of 5000 bytes. */
function itemDir(journal: IngestRecord[]): string {
  const dir = scratch.dir('journaled-progress');
  const entries: PlanEntry[] = [];
  for (let i = 0; i < 6; i++) entries.push({ index: i, sourcePath: `/src/${i}.png`, batchName: `${i}.png`, size: 100 * (i + 1), mtimeMs: 1, kind: 'image', shard: Math.floor(i / 2) });
  entries.push({ index: 6, sourcePath: '/src/v.mp4', batchName: 'v.mp4', size: 5000, mtimeMs: 1, kind: 'video', shard: null });
  const shards: PlannedShard[] = [0, 1, 2].map((s) => ({ index: s, first: 2 * s, files: 2, fileBytes: entries[2 * s]!.size + entries[2 * s + 1]!.size, tarBytes: 0 }));
  const summary: PlanSummary = { version: 1, createdAt: at, images: 6, imageBytes: 2100, videos: 1, videoBytes: 5000, shards: 3, rejected: 4, renamed: 0, shardFiles: 2, shardBytes: 1 << 20 };
  fs.writeFileSync(path.join(dir, 'plan.jsonl'), lines(entries));
  fs.writeFileSync(path.join(dir, 'shards.jsonl'), lines(shards));
  fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(summary));
  fs.writeFileSync(path.join(dir, 'ingest.jsonl'), lines(journal));
  return dir;
}

// The uploader records a left-out file's size beside it, for the totals.
const changedFile = { index: 5, reason: 'changed' as const, message: 'changed', size: 600 };
const uploading = (piece: string): IngestRecord => ({ t: 'uploading', piece, attempt: 1, urlToken: 't', bytes: 1, at });
const uploaded = (piece: string): IngestRecord => ({ t: 'uploaded', piece, at });

describe('upload progress from the journal', () => {
  it('nothing before the plan is complete', async () => {
    expect(await readJournaledUploadProgress(scratch.dir('no-plan'))).toBeUndefined();
  });

  it('counts whole uploaded shards, not those in flight; a torn last line is ignored', async () => {
    const dir = itemDir([uploading('s0'), uploading('s2'), uploaded('s2'), uploading('s1')]);
    fs.appendFileSync(path.join(dir, 'ingest.jsonl'), '{"t":"uploaded","pie');
    expect(await readJournaledUploadProgress(dir)).toEqual({
      files: { done: 2, total: 7 },
      bytes: { done: 500 + 600, total: 7100 },
      rejected: 4,
    });
  });

  it('after a split, files left out and a video: counts each file its uploaded piece carried', async () => {
    const dir = itemDir([
      uploaded('s0'),
      // shard 1 split in two; only its second part landed
      { t: 'split', piece: 's1', pieces: [{ id: 's1.0', members: [2] }, { id: 's1.1', members: [3] }], reason: 'limits', at },
      uploaded('s1.1'),
      // shard 2: file 5 changed before it was sent
      { t: 'excluded', piece: 's2', files: [changedFile], at },
      uploaded('s2'),
      uploaded('v6'),
    ]);
    expect(await readJournaledUploadProgress(dir)).toEqual({
      // s0: files 0, 1; s1.1: file 3; s2: file 4 (5 left out); the video
      files: { done: 5, total: 6 },
      bytes: { done: 100 + 200 + 400 + 500 + 5000, total: 7100 - 600 },
      rejected: 5,
    });
  });
});
