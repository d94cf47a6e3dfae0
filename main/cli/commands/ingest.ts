// `batch-desk ingest <path...> --batch-id <id>`: walks, plans, uploads and waits for indexing.

import type { ItemSpec } from '../../../shared/domain';
import { batchIdProblem } from '../../../shared/ids';
import { CliError, existingRoots, parseCommandArgs, type Command } from '../command';
import { refuseDuplicateOfUnfinished } from '../item-conflicts';
import { runItemToEnd } from '../run-item';
import { TRANSFER_FLAGS, TRANSFER_USAGE, parseTransferOptions } from '../transfer-options';

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'Upload folders into a staging batch',
  usage: `batch-desk ingest <path...> --batch-id <id> [options]

Walks the folders (or files), writes the plan, uploads images as tar shards and videos to
<batch-id>-videos, waits until the service has indexed them. Resumable: see \`batch-desk resume\`.

Options:
  --batch-id <id>        staging batch id: a-z, 0-9, "-" and "_", at most 64 characters (required)
  --batch-name <name>    display name of the batch (default: the batch id)
  --name <name>          item name shown in status (default: the folder name)
${TRANSFER_USAGE}`,
  async run(ctx) {
    const { values, positionals, global } = parseCommandArgs(ctx, {
      'batch-id': { type: 'string' },
      'batch-name': { type: 'string' },
      name: { type: 'string' },
      ...TRANSFER_FLAGS,
    });
    const batchId = values['batch-id'] as string | undefined;
    if (!batchId) throw new CliError('--batch-id is required.');
    const problem = batchIdProblem(batchId);
    if (problem) throw new CliError(problem);
    const roots = existingRoots(positionals, 'ingest');
    const transfer = parseTransferOptions(values);
    const spec: ItemSpec = {
      roots,
      name: values.name as string | undefined,
      batchId,
      batchName: values['batch-name'] as string | undefined,
      pipeline: 'ingest',
      transfer,
    };
    return runItemToEnd(ctx, global, (engine) => {
      refuseDuplicateOfUnfinished(engine, spec, 'ingest');
      return engine.add(spec);
    });
  },
};
