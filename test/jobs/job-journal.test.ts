// What the job journal says of a job after a restart of the app: how long it has been running,
// which sets how often it is polled (a job running for hours is not polled as a new one).

import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { openJobJournal, readJobStates } from '../../main/engine/jobs/job-journal';

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
