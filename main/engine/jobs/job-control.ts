// Abort and restart (roboflow-api.md 5.6, 5.7) of an item's jobs, journaled like the start so a
// crash never sends a restart twice (restart-job.ts). A restart acts on the item's current jobs
// only (start-job.ts, currentJobs): a superseded one would run again, paid, with nobody polling it.
// An abort reaches every job the journal does not know to have ended, whatever its settings, and
// also one whose start's answer was lost: it may well run.

import type { RestartOverrides } from '../../../shared/domain';
import { ApiError } from '../roboflow/http';
import type { RoboflowClient } from '../roboflow/client';
import type { Journal } from '../journal';
import { readItemRecord } from '../pipeline/item-record';
import { buildRestartBody } from './job-body';
import { now, openJobJournal, readJobStates, type JobJournalRecord, type JobState } from './job-journal';
import { sendRestart, settleRestart } from './restart-job';
import { currentJobs } from './start-job';

/** Not known to have ended, nor aborted (the service took an abort of it since it last started). */
function mayRun(job: JobState): boolean {
  return !job.terminal && !job.abortTaken;
}

/** The item's jobs that may be running. */
export function unfinishedJobs(itemDir: string): JobState[] {
  return readJobStates(itemDir).filter(mayRun);
}

/** Aborts those of `jobs` that may be running; returns the ids the service aborted. */
export async function abortJobs(
  journal: Journal<JobJournalRecord>,
  client: RoboflowClient,
  jobs: readonly JobState[],
  signal?: AbortSignal,
): Promise<string[]> {
  const aborted: string[] = [];
  for (const job of jobs) {
    if (!mayRun(job)) continue;
    journal.append({ t: 'abort', jobId: job.jobId, at: now() });
    try {
      await client.processing.abort(job.jobId, signal);
      journal.append({ t: 'aborted', jobId: job.jobId, at: now() });
      aborted.push(job.jobId);
    } catch (err) {
      // no such job: its start never reached the service
      if (!(err instanceof ApiError && err.code === 'not-found')) throw err;
    }
  }
  return aborted;
}

/** Aborts every job of the item that may still be running. */
export async function abortItemJobs(itemDir: string, client: RoboflowClient, signal?: AbortSignal): Promise<string[]> {
  const journal = openJobJournal(itemDir);
  try {
    return await abortJobs(journal, client, readJobStates(itemDir), signal);
  } finally {
    journal.close();
  }
}

/** The item's current jobs that reached the service (or were restarted). */
function restartableJobs(itemDir: string, workspace: string): JobState[] {
  const options = readItemRecord(itemDir)?.spec.job;
  const all = readJobStates(itemDir).filter((j) => j.created || j.restartPending);
  const jobs = options ? currentJobs(all, options, workspace) : [];
  if (jobs.length === 0) throw new ApiError('This item has no job yet.', 'not-found', 'job');
  return jobs;
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
    for (const job of restartableJobs(itemDir, client.workspace)) {
      const remote = await client.processing.getJob(job.jobId, signal);
      if (job.restartPending) {
        // An earlier request's restart whose answer was lost: that one is this request's restart,
        // taken (the job may have failed again since) or reported, never followed by a second.
        settleRestart(journal, job, remote);
        restarted.push(job.jobId);
        continue;
      }
      if (!(remote.isTerminal && remote.error)) continue;
      await sendRestart(journal, client, job, remote, buildRestartBody(overrides, job.kind), signal);
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
