// Export then join, shared by the export step and `batch-desk export`: each output batch goes to
// `<outDir>/export/<label>/`, then results.jsonl / results.csv are written beside it.

import path from 'node:path';
import type { Logger } from '../log';
import type { RoboflowClient } from '../roboflow/client';
import { ApiError } from '../roboflow/http';
import { JobReader, outputBatchesOf } from '../jobs/job-snapshot';
import { exportBatch, type ExportProgress, type ExportSummary } from './exporter';
import { joinResults, type JoinSummary, type SourceRow } from './results-join';
import type { BandwidthLimiter } from '../ingest/bandwidth';

export const EXPORT_DIR = 'export';

export interface OutputBatch {
  /** Folder name under <outDir>/export (the job id, or the batch id). */
  label: string;
  batchId: string;
  expiryDate?: string;
}

/** The job's output batch that exists, best first (export stage, results batches, processing stage). */
export async function findOutputBatch(client: RoboflowClient, jobId: string, candidates: string[] | undefined, signal: AbortSignal): Promise<OutputBatch> {
  let ids = candidates ?? [];
  if (ids.length === 0) {
    const snap = await new JobReader(client, jobId).read(signal);
    if (!snap.job.isTerminal) throw new ApiError(`Job ${jobId} has not finished yet; export once it has.`, 'conflict', 'export');
    if (snap.job.error) throw new ApiError(`Job ${jobId} failed; it has no results to export.`, 'remote', 'export');
    ids = outputBatchesOf(snap);
  }
  for (const id of ids) {
    const b = await client.staging.findBatch(id, signal);
    if (b) return { label: jobId, batchId: id, expiryDate: b.expiryDate };
  }
  throw new ApiError(`The results of job ${jobId} are no longer available (output batches ${ids.join(', ') || 'none'} not found; results expire 7 days after the job).`, 'not-found', 'export');
}

export interface ExportAndJoinOptions {
  client: RoboflowClient;
  batches: OutputBatch[];
  outDir: string;
  journalPath: string;
  sources: AsyncIterable<SourceRow>;
  concurrency: number;
  signal: AbortSignal;
  log?: Logger;
  onProgress?: (p: ExportProgress) => void;
  limiter?: BandwidthLimiter;
}

export async function exportAndJoin(opts: ExportAndJoinOptions): Promise<{ exports: ExportSummary[]; join: JoinSummary }> {
  const exports: ExportSummary[] = [];
  const base = { files: 0, filesTotal: 0, bytes: 0 };
  const destDirOf = (b: OutputBatch) => path.join(opts.outDir, EXPORT_DIR, b.label);
  for (const b of opts.batches) {
    const summary = await exportBatch({
      staging: opts.client.staging,
      batchId: b.batchId,
      destDir: destDirOf(b),
      journalPath: opts.journalPath,
      concurrency: opts.concurrency,
      limiter: opts.limiter,
      signal: opts.signal,
      log: opts.log,
      onProgress: (p) =>
        opts.onProgress?.({
          ...p,
          exportFiles: { done: base.files + p.exportFiles.done, total: base.filesTotal + p.exportFiles.total },
          exportBytes: { done: base.bytes + p.exportBytes.done, total: base.bytes + p.exportBytes.total },
        }),
    });
    base.files += summary.files;
    base.filesTotal += summary.files;
    base.bytes += summary.bytes;
    exports.push(summary);
  }
  opts.signal.throwIfAborted();
  const join = await joinResults(opts.outDir, opts.batches.map(destDirOf), opts.sources);
  return { exports, join };
}
