// A service that stops answering while a job runs: polling goes on (within its error budget), and
// the item says so on its retry line instead of sitting on "processing" for minutes with no word.

import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import type { ItemProgressEvent } from '../../shared/contract';
import { fullEngine, makeTree, startEmu } from './helpers';

const scratch = useScratch();

it('a job poll that keeps failing is shown on the item, and cleared once the service answers again', async () => {
  // more 503s in a row than the client's own retries absorb, so the poll itself fails several times
  const emu = scratch.server(await startEmu({ rules: [{ route: 'get-job', kind: 'status', status: 503, times: 30 }] }));
  const root = scratch.dir('outage-src');
  makeTree(root, 5);
  const engine = fullEngine(emu, scratch.dir('outage-data'));
  const retryLines: string[] = [];
  engine.on('progress', (e: ItemProgressEvent) => {
    if (e.stage === 'processing' && e.progress.retrying) retryLines.push(e.progress.retrying.reason);
  });
  try {
    const item = engine.add({ roots: [root], pipeline: 'full', job: { workflowId: 'wf' }, outDir: scratch.dir('outage-out') });
    const done = await engine.waitFor(item.id);
    expect(done.state).toBe('done');
    expect(retryLines.length).toBeGreaterThan(0);
    expect(retryLines[0]).toMatch(/^the service is not answering \(since \d\d:\d\d:\d\d\): .*503.*; polling on$/);
    expect(done.progress.retrying).toBeUndefined();
  } finally {
    await engine.close();
  }
});
