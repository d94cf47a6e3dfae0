// `batch-desk run <path...> --workflow-id <wf> --out <dir>`: the whole pipeline in one item —
// walk, ingest, wait until indexed, start the job, wait for it, export, join results.

import fs from 'node:fs';
import path from 'node:path';
import type { ItemSpec, ItemSummary, TransferSettings } from '../../../shared/domain';
import { batchIdProblem } from '../../../shared/ids';
import { readJson } from '../../engine/atomic-file';
import type { JoinSummary } from '../../engine/export/results-join';
import { RESULTS_JSONL, RESULTS_META } from '../../engine/export/results-join';
import { CliError, EXIT_FAILURE, intOption, parseCommandArgs, type CliContext, type Command, type GlobalOptions } from '../command';
import { createCliEngine, resolveCredentials } from '../engine-factory';
import { reportOutcome } from '../ingest-outcome';
import { JOB_OPTIONS_USAGE, JOB_OPTION_FLAGS, parseJobOptions } from '../job-options';
import { attachDisplay, createProgressDisplay, type ProgressDisplay } from '../progress-display';

export const runCommand: Command = {
  name: 'run',
  summary: 'Whole pipeline: ingest, process with a Workflow, export, join results',
  usage: `batch-desk run <path...> --workflow-id <wf> --out <dir> [options]

Ingests the folders into a staging batch, starts the Workflow job once it is indexed, waits for it,
downloads the results into <dir>/export and writes <dir>/results.jsonl and <dir>/results.csv, one
row per source file. Resumable at every step: see \`batch-desk resume\`.

Options:
  --out <dir>            output folder (required)
  --batch-id <id>        staging batch id (default: made from the folder name)
  --batch-name <name>    display name of the batch
  --name <name>          item name shown in status
  --concurrency <K>      shards uploaded in parallel (default 8)
  --download-concurrency <K>  export downloads in parallel (default 8)

${JOB_OPTIONS_USAGE}`,
  async run(ctx) {
    const { values, positionals, global } = parseCommandArgs(ctx, {
      ...JOB_OPTION_FLAGS,
      out: { type: 'string' },
      'batch-id': { type: 'string' },
      'batch-name': { type: 'string' },
      name: { type: 'string' },
      concurrency: { type: 'string' },
      'download-concurrency': { type: 'string' },
    });
    if (positionals.length === 0) throw new CliError('Name at least one folder or file to process.');
    const job = parseJobOptions(values);
    const out = values.out as string | undefined;
    if (!out) throw new CliError('--out is required: the folder the results go to.');
    const batchId = values['batch-id'] as string | undefined;
    if (batchId) {
      const problem = batchIdProblem(batchId);
      if (problem) throw new CliError(problem);
    }
    const roots = positionals.map((p) => path.resolve(p));
    for (const r of roots) if (!fs.existsSync(r)) throw new CliError(`${r} does not exist.`);
    const transfer: Partial<TransferSettings> = {};
    const k = intOption(values.concurrency, 'concurrency', 1, 64);
    if (k !== undefined) transfer.concurrency = k;
    const dk = intOption(values['download-concurrency'], 'download-concurrency', 1, 64);
    if (dk !== undefined) transfer.downloadConcurrency = dk;
    const spec: ItemSpec = {
      roots,
      name: values.name as string | undefined,
      batchId,
      batchName: values['batch-name'] as string | undefined,
      pipeline: 'full',
      job,
      outDir: path.resolve(out),
      transfer,
    };
    return runItemToEnd(ctx, global, (engine) => engine.add(spec));
  },
};

/** Creates the item, shows its progress until it ends, and reports the outcome with exit codes 0 / 2 / 1. */
export async function runItemToEnd(
  ctx: CliContext,
  global: GlobalOptions,
  create: (engine: ReturnType<typeof createCliEngine>['engine']) => ItemSummary,
): Promise<number> {
  await resolveCredentials(global, ctx.env);
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
      display.note(`Interrupted; run \`batch-desk resume\` to continue item ${itemId}.`, { item: itemId, state: 'interrupted' });
      return EXIT_FAILURE;
    }
    return await reportJobOutcome(summary, engine.itemDir(itemId), display, global.json);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    detach();
    display.close();
    await close();
  }
}

/** The ingest outcome (rejections and exit code), then where the results are. */
export async function reportJobOutcome(summary: ItemSummary, itemDir: string, display: ProgressDisplay, json: boolean): Promise<number> {
  const code = await reportOutcome(summary, itemDir, display, json);
  if (summary.state !== 'done' || !summary.outDir) return code;
  const results = readJson<JoinSummary>(path.join(summary.outDir, RESULTS_META));
  if (results) {
    display.note(
      `Results: ${path.join(summary.outDir, RESULTS_JSONL)} — ${results.rows} row(s): ${results.ok} with predictions, ${results.failed} failed, ${results.rejected} rejected, ${results.missing} without a prediction.`,
      { item: summary.id, jobId: summary.jobId, outDir: summary.outDir, results },
    );
  }
  for (const w of summary.warnings) display.note(`warning: ${w}`, { warning: w });
  return code;
}
