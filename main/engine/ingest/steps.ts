// The ingest steps of the pipeline: scan (walk → plan), upload (shards and videos), indexing (wait
// for the service). Each resumes from the files in the item folder.

import { batchIdProblem, BATCH_ID_MAX } from '../../../shared/ids';
import type { Step, StepContext } from '../pipeline/step';
import { ApiError } from '../roboflow/http';
import { processBandwidth } from './bandwidth';
import { IngestState, openIngestJournal } from './ingest-journal';
import { waitForIndexing } from './indexing';
import { buildPlan, readPlanSummary } from './plan';
import { ProgressTracker } from './progress-tracker';
import { DEFAULT_TUNING, Uploader, type IngestTuning } from './uploader';

/** Videos go to their own batch beside the image batch. */
export function videoBatchIdFor(batchId: string): string {
  const suffix = '-videos';
  return batchId.slice(0, BATCH_ID_MAX - suffix.length) + suffix;
}

function checkBatchId(ctx: StepContext): void {
  const problem = batchIdProblem(ctx.item.batchId);
  if (problem) throw new ApiError(problem, 'invalid-argument', 'check batch id');
}

export function createIngestSteps(overrides: Partial<IngestTuning> = {}): Step[] {
  const tuning: IngestTuning = { ...DEFAULT_TUNING, ...overrides };

  const scan: Step = {
    stage: 'scan',
    async run(ctx) {
      checkBatchId(ctx);
      const summary = await buildPlan(ctx.itemDir, {
        roots: ctx.item.spec.roots,
        followSymlinks: ctx.transfer.followSymlinks,
        shardFiles: ctx.transfer.shardFiles,
        shardBytes: ctx.transfer.shardBytes,
        signal: ctx.signal,
        onProgress: (p) => ctx.progress({ files: { done: 0, total: p.files }, bytes: { done: 0, total: p.bytes }, rejected: p.rejected }),
      });
      ctx.progress({
        files: { done: 0, total: summary.images + summary.videos },
        bytes: { done: 0, total: summary.imageBytes + summary.videoBytes },
        rejected: summary.rejected,
      });
      // Roots dropped because another root covers them: said on the item, once (a resumed scan finds the plan done).
      const notes = (summary.notes ?? []).filter((n) => !ctx.item.warnings.includes(n));
      if (notes.length > 0) ctx.patch({ warnings: [...ctx.item.warnings, ...notes] });
      if (summary.videos > 0 && !ctx.item.videoBatchId) ctx.patch({ videoBatchId: videoBatchIdFor(ctx.item.batchId) });
      ctx.log.info('plan written', { images: summary.images, videos: summary.videos, shards: summary.shards, rejected: summary.rejected });
    },
  };

  const upload: Step = {
    stage: 'upload',
    async run(ctx) {
      // A banner an earlier run saved in item.json (it stopped while a piece waited) is stale now.
      ctx.progress({ retrying: undefined });
      checkBatchId(ctx);
      const summary = readPlanSummary(ctx.itemDir);
      if (!summary) throw new ApiError('The plan is missing; scan the folder again.', 'internal', 'upload');
      processBandwidth.setRate(ctx.transfer.bandwidthLimit);
      const client = await ctx.client();
      const journal = openIngestJournal(ctx.itemDir);
      try {
        const state = IngestState.load(ctx.itemDir);
        const tracker = new ProgressTracker(ctx.itemDir, (p) => ctx.progress(p));
        const uploader = new Uploader(ctx, client.staging, journal, state, tracker, tuning);
        uploader.initTotals(summary);
        tracker.report(true);
        await uploader.run();
      } finally {
        // After a failure, other shards' records may still be on their way to disk: a retry opens
        // the journal again only once they are.
        await journal.close();
      }
    },
  };

  const indexing: Step = {
    stage: 'indexing',
    async run(ctx) {
      const summary = readPlanSummary(ctx.itemDir);
      if (!summary) throw new ApiError('The plan is missing; scan the folder again.', 'internal', 'indexing');
      const client = await ctx.client();
      const journal = openIngestJournal(ctx.itemDir);
      try {
        const state = IngestState.load(ctx.itemDir);
        const result = await waitForIndexing(ctx, client.staging, journal, state, tuning);
        ctx.progress({ rejected: summary.rejected + state.excluded.size + result.rejected });
        if (result.sent > 0) {
          const batch = await client.staging.findBatch(ctx.item.batchId, ctx.signal).catch(() => undefined);
          if (batch?.expiryDate) ctx.patch({ expiresAt: batch.expiryDate });
        }
        ctx.log.info('indexed', { ...result });
      } finally {
        journal.close();
      }
    },
  };

  return [scan, upload, indexing];
}

/** The ingest steps with default tuning. */
export const ingestSteps: Step[] = createIngestSteps();
