// Runs one item in the foreground of a command: creates it, shows its progress until it ends,
// and reports the outcome (rejections, results, files without a result, warnings) with exit codes 0 / 2 / 1.

import path from 'node:path';
import type { ItemSummary } from '../../shared/domain';
import { readJson } from '../engine/atomic-file';
import { RESULTS_JSONL, RESULTS_META, type JoinSummary } from '../engine/export/results-join';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_REJECTIONS, type CliContext, type GlobalOptions } from './command';
import { createCliEngine, resolveCredentials } from './engine-factory';
import { reportOutcome } from './ingest-outcome';
import { attachDisplay, createProgressDisplay, forItem, type ProgressDisplay } from './progress-display';
import { reportResultGaps } from './workflow-failures';

/** Creates the item, shows its progress until it ends, and reports the outcome with exit codes 0 / 2 / 1. */
export async function runItemToEnd(
  ctx: CliContext,
  global: GlobalOptions,
  create: (engine: ReturnType<typeof createCliEngine>['engine']) => ItemSummary,
): Promise<number> {
  await resolveCredentials(global, ctx.env);
  // Interrupted while the key was being read (a slow keychain): nothing has started, nothing will.
  if (ctx.signal.aborted) throw new CliError('Interrupted before anything started.');
  const { engine, close } = createCliEngine(global, ctx.env);
  const display = createProgressDisplay(ctx.stdout, { json: global.json });
  let itemId = '';
  const detach = attachDisplay(engine, display, (id) => id === itemId);
  const onAbort = () => void close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const created = create(engine);
    itemId = created.id;
    display.item(created);
    const summary = await engine.waitFor(itemId);
    display.close();
    if (ctx.signal.aborted) {
      display.note(`Interrupted; run \`batch-desk resume\` to continue item ${itemId}.`, { id: itemId, state: 'interrupted' });
      return EXIT_FAILURE;
    }
    return await reportJobOutcome(summary, engine.itemDir(itemId), display, ctx.stderr, global.json);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    detach();
    display.close();
    await close();
  }
}

/** The ingest outcome (rejections and exit code), then where the results are and the files without one. */
export async function reportJobOutcome(
  summary: ItemSummary,
  itemDir: string,
  display: ProgressDisplay,
  stderr: NodeJS.WritableStream,
  json: boolean,
): Promise<number> {
  // Every record of this outcome names the item (`id`), whichever helper writes it.
  const itemDisplay = forItem(display, summary.id);
  let code = await reportOutcome(summary, itemDir, itemDisplay, json, stderr);
  // Said for an ingest too (roots left out because another root covers them, say).
  for (const w of summary.warnings) itemDisplay.note(`warning: ${w}`, { warning: w });
  if (summary.state !== 'done' || !summary.outDir) return code;
  const results = readJson<JoinSummary>(path.join(summary.outDir, RESULTS_META));
  if (results) {
    itemDisplay.note(
      // The job id is what `batch-desk logs --job-id` and `export --job-id` take.
      `Results${summary.jobId ? ` of job ${summary.jobId}` : ''}: ${path.join(summary.outDir, RESULTS_JSONL)} — ${results.rows} row(s): ${results.ok} with predictions, ${results.failed} failed, ${results.rejected} rejected, ${results.missing} without a prediction.`,
      { jobId: summary.jobId, outDir: summary.outDir, results },
    );
  }
  // A file the Workflow failed on, or with no prediction, has no result, like a rejected file: exit 2, not 0.
  if (results && (await reportResultGaps(summary.outDir, results, itemDisplay, stderr, json)) && code === EXIT_OK) code = EXIT_REJECTIONS;
  return code;
}
