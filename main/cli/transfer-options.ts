// The upload flags of the command line, one definition shared by ingest, run and watch, parsed into
// the TransferSettings the engine applies to an item (over the saved settings).

import type { ParseArgsConfig } from 'node:util';
import type { TransferSettings } from '../../shared/domain';
import { TRANSFER_LIMITS } from '../../shared/limits';
import { intOption } from './command';

/** How the files are sent: every command that uploads takes these. */
export const UPLOAD_FLAGS = {
  concurrency: { type: 'string' },
  'shard-files': { type: 'string' },
  'shard-bytes': { type: 'string' },
  bwlimit: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/**
 * How the folders are walked. Not for `watch`: a watch never takes a symbolic link (its scan and
 * stability check use lstat), so the flag would do nothing there.
 */
export const WALK_FLAGS = {
  'follow-symlinks': { type: 'boolean' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const TRANSFER_FLAGS = { ...UPLOAD_FLAGS, ...WALK_FLAGS } as const;

export const UPLOAD_USAGE = `  --concurrency <K>      shards uploaded in parallel (default 8)
  --shard-files <N>      files per tar shard (default 256, at most ${TRANSFER_LIMITS.shardFiles})
  --shard-bytes <B>      bytes per tar shard (default 268435456, from ${TRANSFER_LIMITS.shardBytesMin} to ${TRANSFER_LIMITS.shardBytesMax})
  --bwlimit <bytes/s>    bandwidth cap shared by all transfers (default unlimited)`;

export const WALK_USAGE = `  --follow-symlinks      follow symbolic links (loops are detected)`;

export const TRANSFER_USAGE = `${UPLOAD_USAGE}\n${WALK_USAGE}`;

/** The transfer flags given (unset flags stay unset, so the saved settings apply). */
export function parseTransferOptions(values: Record<string, unknown>): Partial<TransferSettings> {
  const transfer: Partial<TransferSettings> = {};
  const k = intOption(values.concurrency, 'concurrency', 1, TRANSFER_LIMITS.concurrency);
  if (k !== undefined) transfer.concurrency = k;
  const n = intOption(values['shard-files'], 'shard-files', 1, TRANSFER_LIMITS.shardFiles);
  if (n !== undefined) transfer.shardFiles = n;
  const b = intOption(values['shard-bytes'], 'shard-bytes', TRANSFER_LIMITS.shardBytesMin, TRANSFER_LIMITS.shardBytesMax);
  if (b !== undefined) transfer.shardBytes = b;
  const bw = intOption(values.bwlimit, 'bwlimit', 0);
  if (bw !== undefined) transfer.bandwidthLimit = bw;
  if (values['follow-symlinks']) transfer.followSymlinks = true;
  return transfer;
}
