// Abort and restart (roboflow-api.md 5.6, 5.7) of an item's jobs, journaled like the start so a
// crash never sends a restart twice (restart-job.ts).

import type { RestartOverrides } from '../../../shared/domain';
import { ApiError } from '../roboflow/http';
import type { RoboflowClient } from '../roboflow/client';
import { buildRestartBody } from './job-body';
import { now, openJobJournal, readJobStates, type JobState } from './job-journal';
import { sendRestart, settleRestart } from './restart-job';

function itemJobs(itemDir: string): JobState[] {
  const jobs = readJobStates(itemDir).filter((j) => j.created || j.restartPending);
  if (jobs.length === 0) throw new ApiError('This item has no job yet.', 'not-found', 'job');
  return jobs;
}

/** Aborts every job of the item that is still running. */
export async function abortItemJobs(itemDir: string, client: RoboflowClient, signal?: AbortSignal): Promise<string[]> {
  const journal = openJobJournal(itemDir);
  try {
    const aborted: string[] = [];
    for (const job of itemJobs(itemDir)) {
      if (job.terminal) continue;
      journal.append({ t: 'abort', jobId: job.jobId, at: now() });
      await client.processing.abort(job.jobId, signal);
      aborted.push(job.jobId);
    }
    return aborted;
  } finally {
    journal.close();
  }
}

/**
 * Restarts the item's failed or aborted jobs, with overrides when given (body only then). The
 * caller then re-runs the processing step (Engine.retry), which polls the restarted jobs.
 */
export async function restartItemJobs(
  itemDir: string,
  client: RoboflowClient,
  overrides: RestartOverrides = {},
  signal?: AbortSignal,
): Promise<string[]> {
  const journal = openJobJournal(itemDir);
  try {
    const restarted: string[] = [];
    for (const job of itemJobs(itemDir)) {
      const remote = await client.processing.getJob(job.jobId, signal);
      if (job.restartPending) {
        // An earlier request's restart whose answer was lost: that one is this request's restart,
        // taken (the job may have failed again since) or reported, never followed by a second.
        settleRestart(journal, job, remote);
        restarted.push(job.jobId);
        continue;
      }
      if (!(remote.isTerminal && remote.error)) continue;
      await sendRestart(journal, client, job, remote, buildRestartBody(overrides), signal);
      restarted.push(job.jobId);
    }
    if (restarted.length === 0) throw new ApiError('No job of this item has failed or been aborted; nothing to restart.', 'conflict', 'restart job');
    return restarted;
  } finally {
    journal.close();
  }
}

/**
 * For a retry the operator asked for of an item whose job failed (the console's "Restart job",
 * `resume --restart-failed-jobs`): restarts its failed jobs, as they are. None failed any more
 * (restarted from elsewhere meanwhile) is fine: the retry polls them.
 */
export async function restartForRetry(itemDir: string, client: RoboflowClient, signal?: AbortSignal): Promise<string[]> {
  try {
    return await restartItemJobs(itemDir, client, {}, signal);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'conflict') return [];
    throw err;
  }
}
