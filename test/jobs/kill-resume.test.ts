// kill -9 of the real command line while it polls the job and while it downloads the results, then
// `batch-desk resume`: the job is not started twice, no byte is downloaded twice, results complete.

import { describe, expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import type { Emulator, FaultConfig } from '../emulator/server';
import { makeTree, readResults, spawnCli, startEmu } from './helpers';

let emu: Emulator | undefined;
const scratch = useScratch();

const cli = (args: string[], dataDir: string) => spawnCli(emu!, args, dataDir, scratch);

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function killAndResume(faults: FaultConfig, killWhen: () => boolean | Promise<boolean>, what: string) {
  emu = scratch.server(await startEmu(faults));
  const root = scratch.dir('kill-src');
  const data = scratch.dir('kill-data');
  const out = scratch.dir('kill-out');
  const sources = makeTree(root, 300, { dirs: 4 });
  const first = cli(['run', root, '--workflow-id', 'wf', '--out', out], data);
  await until(async () => first.child.exitCode !== null || (await killWhen()), what);
  expect(first.child.exitCode, `the run ended before ${what}: ${(await Promise.race([first.done, Promise.resolve(null)]))?.err ?? ''}`).toBeNull();
  first.child.kill('SIGKILL');
  await first.done;
  emu.setFaults({});
  const second = await cli(['resume'], data).done;
  expect(second.err).toBe('');
  expect(second.code).toBe(0);
  const rows = readResults(out);
  expect(rows).toHaveLength(300);
  expect(new Set(rows.map((r) => r.sourcePath))).toEqual(new Set(sources));
  expect(rows.every((r) => r.status === 'ok')).toBe(true);
  return { out };
}

describe('kill -9 and resume', () => {
  it('during job polling: the job is created once and only once', async () => {
    await killAndResume(
      // Slow polling answers keep the first run in the processing step. Polling starts only after
      // the job's creation was journaled; a kill before that is the lost-answer case (job-start test).
      { rules: [{ route: 'get-job', kind: 'latency', ms: 400 }] },
      () => (emu!.inspect.requests()['get-job']?.attempts ?? 0) >= 1,
      'the job to be polled',
    );
    const jobs = emu!.inspect.jobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.createCalls).toBe(1);
    expect(jobs[0]!.conflicts).toBe(0);
  });

  it('during the download: the resumed download asks only for the missing bytes', async () => {
    await killAndResume(
      {
        rules: [
          { route: 'storage-get', kind: 'truncate', afterBytes: 2000, times: 1 },
          { route: 'storage-get', kind: 'stall', afterBytes: 500, ms: 20_000, times: 1 },
        ],
      },
      () => emu!.inspect.downloads().some((d) => d.requests >= 2),
      'a download to be under way',
    );
    const jobs = emu!.inspect.jobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.createCalls).toBe(1);
    const downloads = emu!.inspect.downloads().filter((d) => d.batchId === `${jobs[0]!.jobId}-export`);
    expect(downloads.length).toBeGreaterThan(0);
    for (const d of downloads) {
      // One request from byte 0; every later one a Range resuming from what was already on disk.
      expect(d.requests).toBe(d.ranges.length + 1);
      const starts = d.ranges.map((r) => Number(/^bytes=(\d+)-$/.exec(r)![1]));
      expect(starts[0]).toBe(2000);
      for (let i = 1; i < starts.length; i++) expect(starts[i]).toBeGreaterThanOrEqual(starts[i - 1]!);
    }
  });
});
