// `batch-desk process --batch-id <id> --workflow-id <wf> --out <dir>`: a job on a batch that already
// exists (ingested earlier or elsewhere), then export and results.

import path from 'node:path';
import type { ItemSpec } from '../../../shared/domain';
import { batchIdProblem } from '../../../shared/ids';
import { CliError, intOption, parseCommandArgs, type Command } from '../command';
import { refuseDuplicateOfUnfinished } from '../item-conflicts';
import { JOB_OPTIONS_USAGE, JOB_OPTION_FLAGS, parseJobOptions } from '../job-options';
import { runItemToEnd } from '../run-item';

export const processCommand: Command = {
  name: 'process',
  summary: 'Run a Workflow job on an existing batch, then export its results',
  usage: `batch-desk process --batch-id <id> --workflow-id <wf> --out <dir> [options]

Starts the job (once, even across restarts), waits for it, downloads the results into <dir>/export
and writes <dir>/results.jsonl and results.csv (one row per prediction: there is no local plan).

Options:
  --batch-id <id>        the staging batch to process (required)
  --out <dir>            output folder (required)
  --name <name>          item name shown in status
  --download-concurrency <K>  export downloads in parallel (default 8)

${JOB_OPTIONS_USAGE}`,
  async run(ctx) {
    const { values, global } = parseCommandArgs(ctx, {
      ...JOB_OPTION_FLAGS,
      out: { type: 'string' },
      'batch-id': { type: 'string' },
      name: { type: 'string' },
      'download-concurrency': { type: 'string' },
    });
    const batchId = values['batch-id'] as string | undefined;
    if (!batchId) throw new CliError('--batch-id is required.');
    const problem = batchIdProblem(batchId);
    if (problem) throw new CliError(problem);
    const job = parseJobOptions(values);
    const out = values.out as string | undefined;
    if (!out) throw new CliError('--out is required: the folder the results go to.');
    const dk = intOption(values['download-concurrency'], 'download-concurrency', 1, 64);
    const spec: ItemSpec = {
      roots: [],
      name: (values.name as string | undefined) ?? batchId,
      batchId,
      pipeline: 'full',
      job,
      outDir: path.resolve(out),
      transfer: dk !== undefined ? { downloadConcurrency: dk } : {},
    };
    return runItemToEnd(ctx, global, (engine) => {
      refuseDuplicateOfUnfinished(engine, spec, 'process');
      return engine.addExisting(spec);
    });
  },
};
