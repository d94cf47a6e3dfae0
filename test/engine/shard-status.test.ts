// Whether a shard has settled, read from its documented fields only: the guide lists no isTerminal
// on shards (roboflow-api.md 3.6), so the client judges by statusType as the emulator sends it.

import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { makePngSet, makeTar } from '../emulator/fixtures';
import { KEY, bulkUrl, client as emuClient, putSigned, start, waitFor } from '../emulator/testkit';
import { RoboflowClient } from '../../main/engine/roboflow/client';
import { shardFailedWhole, shardSettled, type ShardDetails } from '../../main/engine/roboflow/staging';

const scratch = useScratch();

it('tells moving, indexed and failed shards apart without isTerminal', async () => {
  const emu = scratch.server(await start({ timeScale: 0.2 })); // indexing starts 300 ms after a PUT
  const c = emuClient(emu);
  const client = await RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY });
  const shards = async () => {
    const out: ShardDetails[] = [];
    for await (const s of client.staging.iterateShards('settle-batch')) out.push(s);
    return out;
  };
  const good = await makeTar(makePngSet(3, 'settle'));
  const corrupt = Buffer.from(good).fill(0x41, 0, 300); // its first header clobbered
  for (const tar of [good, corrupt]) expect(await putSigned(await bulkUrl(c, 'settle-batch'), tar)).toBe(200);

  const moving = await shards();
  expect(moving).toHaveLength(2);
  for (const s of moving) {
    expect(s.isTerminal).toBeUndefined();
    expect(shardSettled(s)).toBe(false);
  }
  const ended = await waitFor(async () => {
    const all = await shards();
    return all.every((s) => s.statusType !== 'info') ? all : undefined;
  });
  expect(ended.map((s) => s.statusType)).toEqual(['success', 'error']);
  expect(ended.map(shardSettled)).toEqual([true, true]);
  expect(ended.map(shardFailedWhole)).toEqual([false, true]);
});
