// `batch-desk export (--job-id <id> | --batch-id <id>) --out <dir>`: downloads a job's results (or
// any batch) into a folder, resumably, and writes results.jsonl / results.csv. When the job belongs
// to an item of this data folder, the results are joined back to that item's source files.

import path from 'node:path';
import { batchIdProblem, jobIdProblem } from '../../../shared/ids';
import { formatBytes, formatCount, formatDuration, formatRate } from '../../../shared/format';
import { exportAndJoin, findOutputBatch, type OutputBatch } from '../../engine/export/export-results';
import type { ExportProgress } from '../../engine/export/exporter';
import { itemSourceRows, noSources } from '../../engine/export/item-sources';
import { acquireFolderLock } from '../../engine/data-dir-lock';
import { readPlanSummary } from '../../engine/ingest/plan';
import { ItemStore } from '../../engine/pipeline/item-record';
import { RoboflowClient } from '../../engine/roboflow/client';
import { CliError, EXIT_OK, EXIT_REJECTIONS, intOption, parseCommandArgs, type CliContext, type Command, type GlobalOptions } from '../command';
import { resolveCredentials } from '../engine-factory';
import { createProgressDisplay } from '../progress-display';
import { reportResultGaps } from '../workflow-failures';

export const EXPORT_JOURNAL_NAME = '.batch-desk-export.jsonl';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Download a job’s results into a folder',
  interruptedHint: 'the files downloaded so far are journaled — run the same command again to finish the export (complete files are skipped)',
  usage: `batch-desk export (--job-id <id> | --batch-id <id>) --out <dir> [options]

Downloads the job's output batch (or the given batch) into <dir>/export, 8 files at a time,
resuming partial downloads, and writes <dir>/results.jsonl and results.csv. Run it again to finish
an interrupted export: complete files are skipped. Exits 2 when some files have no result: the
Workflow failed on them, or the export has no prediction for them (listed on stderr with their reason).

Options:
  --job-id <id>          the job whose results to export
  --batch-id <id>        or any staging batch
  --out <dir>            output folder (required)
  --download-concurrency <K>  downloads in parallel (default 8)`,
  async run(ctx) {
    const { values, global } = parseCommandArgs(ctx, {
      'job-id': { type: 'string' },
      'batch-id': { type: 'string' },
      out: { type: 'string' },
      'download-concurrency': { type: 'string' },
    });
    const jobId = values['job-id'] as string | undefined;
    const batchId = values['batch-id'] as string | undefined;
    if (!jobId === !batchId) throw new CliError('Give exactly one of --job-id or --batch-id.');
    const problem = jobId ? jobIdProblem(jobId) : batchIdProblem(batchId!);
    if (problem) throw new CliError(problem);
    const out = values.out as string | undefined;
    if (!out) throw new CliError('--out is required.');
    const outDir = path.resolve(out);
    const concurrency = intOption(values['download-concurrency'], 'download-concurrency', 1, 64) ?? 8;

    // Two exports into one folder would move each other's files away mid-way: one at a time.
    const releaseOut = acquireFolderLock({
      dir: outDir,
      file: '.batch-desk-export.lock',
      what: `the output folder ${outDir}`,
      advice: 'Wait for that export to finish, or choose another --out.',
      operation: 'export',
    });
    try {
      return await exportInto(ctx, global, { jobId, batchId, outDir, concurrency });
    } finally {
      releaseOut();
    }
  },
};

async function exportInto(
  ctx: CliContext,
  global: GlobalOptions,
  { jobId, batchId, outDir, concurrency }: { jobId?: string; batchId?: string; outDir: string; concurrency: number },
): Promise<number> {
  const creds = await resolveCredentials(global, ctx.env);
  const client = await RoboflowClient.connect({ apiUrl: creds.apiUrl, apiKey: creds.apiKey }, ctx.signal);
  const batch: OutputBatch = jobId ? await findOutputBatch(client, jobId, undefined, ctx.signal) : { label: batchId!, batchId: batchId! };
  const itemDir = jobId ? findItemDir(global.dataDir, jobId) : undefined;

  const display = createProgressDisplay(ctx.stdout, { json: global.json });
  let last = 0;
  const onProgress = (p: ExportProgress) => {
    const t = Date.now();
    if (t - last < (global.json ? 1000 : 2000)) return;
    last = t;
    display.note(
      `export ${formatCount(p.exportFiles.done)}/${formatCount(p.exportFiles.total)} files · ${formatBytes(p.exportBytes.done)} · ${formatRate(p.throughput)} · ETA ${formatDuration(p.etaSeconds)}`,
      { progress: p },
    );
  };
  try {
    const { exports, join } = await exportAndJoin({
      client,
      batches: [batch],
      outDir,
      journalPath: path.join(outDir, EXPORT_JOURNAL_NAME),
      sources: itemDir ? itemSourceRows(itemDir) : noSources(),
      concurrency,
      signal: ctx.signal,
      onProgress,
    });
    const e = exports[0]!;
    for (const r of e.refused) display.note(`refused: ${r.archive ? `${r.archive}: ` : ''}${r.name}: ${r.reason}`, { refused: r });
    // Run again into the same folder, complete files are kept, not fetched: say so rather than claim a download.
    const fetched = e.files - e.alreadyThere;
    const what =
      e.alreadyThere === 0
        ? `Exported ${formatCount(e.files)} file(s), ${formatBytes(e.bytes)}`
        : fetched === 0
          ? `Already exported: all ${formatCount(e.files)} file(s), ${formatBytes(e.bytes)}, were there (nothing downloaded)`
          : `Exported ${formatCount(e.files)} file(s), ${formatBytes(e.bytes)} (${formatCount(fetched)} downloaded now, ${formatCount(e.alreadyThere)} already there)`;
    display.note(`${what} from batch ${batch.batchId} into ${path.join(outDir, 'export', batch.label)}; results: ${path.join(outDir, 'results.jsonl')} (${join.rows} rows).`, {
      batchId: batch.batchId,
      outDir,
      files: e.files,
      bytes: e.bytes,
      alreadyThere: e.alreadyThere,
      results: join,
    });
    return (await reportResultGaps(outDir, join, display, ctx.stderr, global.json)) ? EXIT_REJECTIONS : EXIT_OK;
  } finally {
    display.close();
  }
}

/** The item (if any) of this data folder that ran the job and has a plan to join against. */
function findItemDir(dataDir: string, jobId: string): string | undefined {
  try {
    const store = new ItemStore(dataDir);
    for (const r of store.list()) {
      const ids = ((r.facts as { jobIds?: string[] }).jobIds ?? []).concat(r.jobId ? [r.jobId] : []);
      if (ids.includes(jobId) && readPlanSummary(store.itemDir(r.id))) return store.itemDir(r.id);
    }
  } catch {
    // no data folder yet
  }
  return undefined;
}
