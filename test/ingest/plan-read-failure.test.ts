// An upload whose plan cannot be read to the end (an I/O error halfway through plan.jsonl) fails,
// but only once the PUTs already under way have ended and been journaled: a PUT outliving the
// step would land in the batch with nothing in the journal to say so, and a retry would send its
// shard again.

import fs from 'node:fs';
import path from 'node:path';
import { expect, it, vi } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { createEngine, makeTree, runItem, startEmu } from './helpers';
import type { IngestRecord } from '../../main/engine/ingest/ingest-journal';

const SHARDS_READABLE = 3;

vi.mock('../../main/engine/ingest/plan', async (importOriginal) => {
  const plan = await importOriginal<typeof import('../../main/engine/ingest/plan')>();
  return {
    ...plan,
    async *readShardsWithEntries(itemDir: string) {
      let n = 0;
      for await (const shard of plan.readShardsWithEntries(itemDir)) {
        if (n++ === SHARDS_READABLE) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
        yield shard;
      }
    },
  };
});

const scratch = useScratch();

it('fails only after the PUTs already sent have ended, each journaled as uploaded', async () => {
  // Each PUT is held 400 ms by the service, so all three are in flight when the plan read fails.
  const emu = scratch.server(await startEmu({ rules: [{ route: 'storage-put', kind: 'latency', ms: 400 }] }));
  const root = scratch.dir('plan-fail-src');
  makeTree(root, 40, { dirs: 2 });
  const engine = createEngine(emu, scratch.dir('plan-fail-data'), {}, { shardFiles: 5 });
  const done = await runItem(engine, { roots: [root], batchId: 'plan-read-fails' });
  expect(done.state).toBe('failed');
  expect(done.error?.message).toMatch(/EIO/);

  const received = emu.inspect.uploads().length;
  const journal = fs.readFileSync(path.join(engine.itemDir(done.id), 'ingest.jsonl'), 'utf8');
  const uploaded = journal.split('\n').filter(Boolean).map((l) => JSON.parse(l) as IngestRecord).filter((r) => r.t === 'uploaded');
  await engine.close();
  expect(received).toBe(SHARDS_READABLE);
  expect(uploaded).toHaveLength(SHARDS_READABLE);
});
