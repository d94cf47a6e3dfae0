// The command line's transfer flags take what the console's Settings take: a shard size under
// 1 MiB or over 2 GiB is refused, as the service's own limits of that size are ignored.

import { expect, it } from 'vitest';
import { parseTransferOptions } from '../../main/cli/transfer-options';

it('refuses a shard size the console would refuse, and takes one it takes', () => {
  expect(() => parseTransferOptions({ 'shard-bytes': '1024' })).toThrow(/--shard-bytes must be .*1048576/);
  expect(() => parseTransferOptions({ 'shard-bytes': String(4 * 1024 ** 3) })).toThrow(/--shard-bytes/);
  expect(parseTransferOptions({ 'shard-bytes': '1048576' })).toEqual({ shardBytes: 1048576 });
});
