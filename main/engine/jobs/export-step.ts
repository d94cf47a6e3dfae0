// The `export` step: as soon as the job succeeded, download its output batch into the item's output
// folder (resumable, K at a time) and join the predictions back to the source files.

import fs from 'node:fs';
import path from 'node:path';
import type { Step, StepContext } from '../pipeline/step';
import { ApiError } from '../roboflow/http';
import { writeJsonAtomic } from '../atomic-file';
import { exportAndJoin, findOutputBatch, type OutputBatch } from '../export/export-results';
import { itemSourceRows, noSources } from '../export/item-sources';
import { readPlanSummary } from '../ingest/plan';
import { noteExpiry } from './expiry';
import { readJobStates } from './job-journal';
import type { JobOutputs } from './processing-step';
import { processBandwidth } from '../ingest/bandwidth';

export const EXPORT_JOURNAL = 'export.jsonl';
export const EXPORT_REFUSED = 'export-refused.json';

export function createExportStep(): Step {
  return { stage: 'export', run: runExport };
}

async function runExport(ctx: StepContext): Promise<void> {
  const outDir = ctx.item.outDir ?? ctx.item.spec.outDir;
  if (!outDir) throw new ApiError('No output folder was given for this item.', 'invalid-argument', 'export');
  const client = await ctx.client();
  const facts = ctx.item.facts as { jobIds?: string[]; jobOutputs?: Record<string, JobOutputs> };
  const jobIds = facts.jobIds ?? readJobStates(ctx.itemDir).filter((j) => j.created).map((j) => j.jobId);
  if (jobIds.length === 0) throw new ApiError('This item has no finished job to export.', 'not-found', 'export');

  const batches: OutputBatch[] = [];
  for (const id of jobIds) batches.push(await findOutputBatch(client, id, facts.jobOutputs?.[id]?.batches, ctx.signal));
  noteExpiry(ctx, 'Results', batches.map((b) => b.expiryDate));

  const started = Date.now();
  // Downloads share the cap with the uploads (the same limiter).
  processBandwidth.setRate(ctx.transfer.bandwidthLimit);
  const { exports, join } = await exportAndJoin({
    client,
    batches,
    outDir: path.resolve(outDir),
    journalPath: path.join(ctx.itemDir, EXPORT_JOURNAL),
    sources: readPlanSummary(ctx.itemDir) ? itemSourceRows(ctx.itemDir) : noSources(),
    concurrency: ctx.transfer.downloadConcurrency,
    limiter: processBandwidth,
    signal: ctx.signal,
    log: ctx.log,
    onProgress: (p) => ctx.progress(p),
  });
  const refused = exports.flatMap((e) => e.refused);
  if (refused.length > 0) {
    writeJsonAtomic(path.join(ctx.itemDir, EXPORT_REFUSED), refused);
    const warnings = ctx.item.warnings.filter((w) => !w.startsWith('Export refused'));
    warnings.push(`Export refused ${refused.length} archive member${refused.length === 1 ? '' : 's'} with unsafe paths or links (nothing was written outside the output folder).`);
    ctx.patch({ warnings });
  } else if (fs.existsSync(path.join(ctx.itemDir, EXPORT_REFUSED))) {
    fs.rmSync(path.join(ctx.itemDir, EXPORT_REFUSED), { force: true });
  }
  ctx.log.info('export finished', { files: exports.reduce((n, e) => n + e.files, 0), results: join.rows, ms: Date.now() - started });
  ctx.patch({ facts: { ...ctx.item.facts, results: join } });
}
