// What the job journal says of a job after a restart of the app: how long it has been running,
// which sets how often it is polled (a job running for hours is not polled as a new one).

import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { openJobJournal, readJobStates } from '../../main/engine/jobs/job-journal';
import { settleRestart } from '../../main/engine/jobs/restart-job';

const scratch = useScratch();

it('dates a job from its creation, and from its last restart once one took', () => {
  const itemDir = scratch.dir('job-journal');
  const journal = openJobJournal(itemDir);
  journal.append({ t: 'intent', jobId: 'j1', kind: 'images', batchId: 'b', body: {}, at: '2026-11-30T08:00:00.000Z' });
  expect(readJobStates(itemDir)[0]!.runningSince).toBeUndefined();
  journal.append({ t: 'created', jobId: 'j1', at: '2026-11-30T08:00:05.000Z' });
  expect(readJobStates(itemDir)[0]!.runningSince).toBe('2026-11-30T08:00:05.000Z');
  journal.append({ t: 'terminal', jobId: 'j1', error: true, message: 'failed', at: '2026-11-30T09:00:00.000Z' });
  journal.append({ t: 'restart-intent', jobId: 'j1', at: '2026-11-30T09:10:00.000Z' });
  expect(readJobStates(itemDir)[0]!.runningSince).toBe('2026-11-30T08:00:05.000Z');
  journal.append({ t: 'restarted', jobId: 'j1', at: '2026-11-30T09:10:01.000Z' });
  expect(readJobStates(itemDir)[0]!.runningSince).toBe('2026-11-30T09:10:01.000Z');
  journal.close();
});

it('dates a job from a restart settled after a crash, in memory as a later read would', () => {
  const itemDir = scratch.dir('job-journal');
  const journal = openJobJournal(itemDir);
  journal.append({ t: 'intent', jobId: 'j1', kind: 'images', batchId: 'b', body: {}, at: '2026-11-30T08:00:00.000Z' });
  journal.append({ t: 'created', jobId: 'j1', at: '2026-11-30T08:00:05.000Z' });
  journal.append({ t: 'aborted', jobId: 'j1', at: '2026-11-30T08:30:00.000Z' });
  journal.append({ t: 'restart-intent', jobId: 'j1', seen: '2026-11-30T08:30:01.000Z', at: '2026-11-30T09:00:00.000Z' });
  // The process died before the restart's answer; on resume the job shows it took (running again).
  const job = readJobStates(itemDir)[0]!;
  const remote = { jobId: 'j1', name: '', jobDefinition: {}, currentStage: 'processing', plannedStages: [], error: false, isTerminal: false, lastNotification: null, restartParametersOverride: [] };
  const before = Date.now();
  settleRestart(journal, job, remote);
  journal.close();
  expect(Date.parse(job.runningSince!)).toBeGreaterThanOrEqual(before);
  expect(job.abortTaken).toBe(false);
  expect(readJobStates(itemDir)[0]).toEqual(job);
});
