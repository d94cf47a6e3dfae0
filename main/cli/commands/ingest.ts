// `batch-desk ingest <path...> --batch-id <id>`: walks, plans, uploads and waits for indexing.

import type { TransferSettings } from '../../../shared/domain';
import { batchIdProblem } from '../../../shared/ids';
import { CliError, existingRoots, intOption, parseCommandArgs, type Command } from '../command';
import { runItemToEnd } from '../run-item';

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
  --concurrency <K>      shards uploaded in parallel (default 8)
  --shard-files <N>      files per tar shard (default 256, at most 500)
  --shard-bytes <B>      bytes per tar shard (default 268435456)
  --bwlimit <bytes/s>    bandwidth cap shared by all transfers (default unlimited)
  --follow-symlinks      follow symbolic links (loops are detected)`,
  async run(ctx) {
    const { values, positionals, global } = parseCommandArgs(ctx, {
      'batch-id': { type: 'string' },
      'batch-name': { type: 'string' },
      name: { type: 'string' },
      concurrency: { type: 'string' },
      'shard-files': { type: 'string' },
      'shard-bytes': { type: 'string' },
      bwlimit: { type: 'string' },
      'follow-symlinks': { type: 'boolean', default: false },
    });
    const batchId = values['batch-id'] as string | undefined;
    if (!batchId) throw new CliError('--batch-id is required.');
    const problem = batchIdProblem(batchId);
    if (problem) throw new CliError(problem);
    const roots = existingRoots(positionals, 'ingest');
    const transfer: Partial<TransferSettings> = {};
    const k = intOption(values.concurrency, 'concurrency', 1, 64);
    if (k !== undefined) transfer.concurrency = k;
    const n = intOption(values['shard-files'], 'shard-files', 1, 500);
    if (n !== undefined) transfer.shardFiles = n;
    const b = intOption(values['shard-bytes'], 'shard-bytes', 1024);
    if (b !== undefined) transfer.shardBytes = b;
    const bw = intOption(values.bwlimit, 'bwlimit', 0);
    if (bw !== undefined) transfer.bandwidthLimit = bw;
    if (values['follow-symlinks']) transfer.followSymlinks = true;

    return runItemToEnd(ctx, global, (engine) =>
      engine.add({
        roots,
        name: values.name as string | undefined,
        batchId,
        batchName: values['batch-name'] as string | undefined,
        pipeline: 'ingest',
        transfer,
      }),
    );
  },
};
