// `batch-desk run <path...> --workflow-id <wf> --out <dir>`: the whole pipeline in one item —
// walk, ingest, wait until indexed, start the job, wait for it, export, join results.

import path from 'node:path';
import type { ItemSpec } from '../../../shared/domain';
import { batchIdProblem } from '../../../shared/ids';
import { CliError, existingRoots, intOption, parseCommandArgs, type Command } from '../command';
import { refuseDuplicateOfUnfinished, refuseOutInsideInput } from '../item-conflicts';
import { JOB_OPTIONS_USAGE, JOB_OPTION_FLAGS, parseJobOptions } from '../job-options';
import { runItemToEnd } from '../run-item';
import { TRANSFER_FLAGS, TRANSFER_USAGE, parseTransferOptions } from '../transfer-options';

export const runCommand: Command = {
  name: 'run',
  summary: 'Whole pipeline: ingest, process with a Workflow, export, join results',
  usage: `batch-desk run <path...> --workflow-id <wf> --out <dir> [options]

Ingests the folders into a staging batch, starts the Workflow job once it is indexed, waits for it,
downloads the results into <dir>/export and writes <dir>/results.jsonl and <dir>/results.csv, one
row per source file. Resumable at every step: see \`batch-desk resume\`.

Options:
  --out <dir>            output folder (required; not inside the input folders)
  --batch-id <id>        staging batch id (default: made from the folder name)
  --batch-name <name>    display name of the batch
  --name <name>          item name shown in status
${TRANSFER_USAGE}
  --download-concurrency <K>  export downloads in parallel (default 8)

${JOB_OPTIONS_USAGE}`,
  async run(ctx) {
    const { values, positionals, global } = parseCommandArgs(ctx, {
      ...JOB_OPTION_FLAGS,
      out: { type: 'string' },
      'batch-id': { type: 'string' },
      'batch-name': { type: 'string' },
      name: { type: 'string' },
      ...TRANSFER_FLAGS,
      'download-concurrency': { type: 'string' },
    });
    const job = parseJobOptions(values);
    const out = values.out as string | undefined;
    if (!out) throw new CliError('--out is required: the folder the results go to.');
    const batchId = values['batch-id'] as string | undefined;
    if (batchId) {
      const problem = batchIdProblem(batchId);
      if (problem) throw new CliError(problem);
    }
    const roots = existingRoots(positionals, 'process');
    refuseOutInsideInput(roots, path.resolve(out));
    const transfer = parseTransferOptions(values);
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
    return runItemToEnd(ctx, global, (engine) => {
      refuseDuplicateOfUnfinished(engine, spec, 'run');
      return engine.add(spec);
    });
  },
};
