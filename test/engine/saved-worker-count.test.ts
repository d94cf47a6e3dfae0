// Settings and watches saved by a version that took any worker count from 1 to 64: now that only
// 1, 2, 4 and 8 are taken, they still load into something main accepts, so the operator's drops
// (which send the default job) and Settings' Save are not refused over a field Settings cannot show.

import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { SettingsStore } from '../../main/engine/settings';
import { validateArgs } from '../../main/host/validate';
import { WatchManager } from '../../main/engine/watch/manager';
import { withOfferedWorkers } from '../../shared/limits';
import { fakeEngine, spec, tempDir, until, writeImage } from '../watch/fake-engine';

const scratch = useScratch();

it('takes the largest offered count not above the saved one', () => {
  expect([1, 2, 3, 5, 7, 8, 9, 64].map((n) => withOfferedWorkers({ workersPerMachine: n }).workersPerMachine)).toEqual([1, 2, 2, 4, 4, 8, 8, 8]);
  const noCount: { workflowId: string; workersPerMachine?: number } = { workflowId: 'wf' };
  expect(withOfferedWorkers(noCount)).toBe(noCount);
});

it('loads a default job saved with 3 workers as one main accepts, for a drop and for Save', () => {
  const dataDir = scratch.dir('saved-workers');
  fs.writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ defaultJob: { workflowId: 'wf', workersPerMachine: 3 } }));
  const settings = new SettingsStore(dataDir).get();
  expect(settings.defaultJob.workersPerMachine).toBe(2);
  expect(() => validateArgs('settings:set', { ...settings })).not.toThrow();
  expect(() => validateArgs('queue:add', { roots: ['/data/a'], pipeline: 'full', job: { workflowId: 'wf', ...settings.defaultJob }, outDir: '/data/out' })).not.toThrow();
});

it("sends a saved watch's batches with a worker count the service offers", async () => {
  const folder = tempDir('in');
  const data = tempDir('data');
  const engine = fakeEngine(data);
  // A watch saved by the older version, asking for 5 workers.
  const first = new WatchManager({ dataDir: data, engine, changeIntervalMs: 20 });
  await first.start();
  const saved = spec(folder, tempDir('out'), { rule: { quietSeconds: 0.2, maxFiles: 10, maxMinutes: 10 } });
  const w = first.add({ ...saved, job: { ...saved.job!, workersPerMachine: 1 } });
  await first.close();
  const file = path.join(data, 'watches', w.id, 'watch.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  json.spec.job.workersPerMachine = 5;
  fs.writeFileSync(file, JSON.stringify(json));

  const manager = new WatchManager({ dataDir: data, engine, timing: { stableMs: 200, folderCheckMs: 150, pollIntervalMs: 100, seenFlushMs: 20 }, changeIntervalMs: 20 });
  await manager.start();
  try {
    writeImage(folder, 'a.jpg');
    await until(() => engine.list().length === 1, 'a batch');
    expect(engine.get(engine.list()[0]!.id)!.spec.job?.workersPerMachine).toBe(4);
  } finally {
    await manager.close();
    await engine.close();
  }
});
