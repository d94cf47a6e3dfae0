// Restarting a job at most once per operator request: a restart runs the job again, paid, and the
// service has no idempotency key for it. So the intent, with the job's `lastUpdate` as seen just
// before, is journaled before the POST; the POST is never repeated by the HTTP layer; and when its
// answer is lost (a reset, a 5xx, the process stopped) the job's own state tells whether it took.
// When it cannot tell, the operator is asked to check the job rather than a second restart sent.

import { ApiError } from '../roboflow/http';
import type { RoboflowClient } from '../roboflow/client';
import type { JobMetadata, RestartBody } from '../roboflow/processing';
import type { Journal } from '../journal';
import { JobFailedError } from './job-failed-error';
import { now, recordJob, type JobJournalRecord, type JobState } from './job-journal';

/** Restarts `job`, failed as `seen` shows it; resolves once the restart is known to have taken. */
export async function sendRestart(
  journal: Journal<JobJournalRecord>,
  client: RoboflowClient,
  job: JobState,
  seen: JobMetadata,
  body: RestartBody | undefined,
  signal?: AbortSignal,
): Promise<void> {
  recordJob(journal, job, { t: 'restart-intent', jobId: job.jobId, body, seen: seen.lastUpdate, at: now() });
  try {
    await client.processing.restart(job.jobId, body, signal);
  } catch (err) {
    if (refused(err)) {
      abandon(journal, job);
      throw err;
    }
    let remote: JobMetadata;
    try {
      remote = await client.processing.getJob(job.jobId, signal);
    } catch {
      throw answerLost(job.jobId, err);
    }
    settleRestart(journal, job, remote);
    return;
  }
  taken(journal, job);
}

/**
 * Settles a restart whose answer was lost from the job as the service shows it now: journaled as
 * taken when the job moved on; else abandoned (never sent again by itself) and thrown as a failure
 * that asks the operator to check the job, whose next "Restart job" then sends a new one.
 */
export function settleRestart(journal: Journal<JobJournalRecord>, job: JobState, remote: JobMetadata): void {
  if (tookEffect(job.restartSeen, remote)) return taken(journal, job);
  abandon(journal, job);
  throw new JobFailedError(
    job.jobId,
    'a restart sent for it got no answer, and the job does not show that it took; check the job on Roboflow before restarting it again',
  );
}

/**
 * How long after a restart took the job may still show the failure it replaced: the service may
 * apply a restart some time after accepting it (the emulator's `restartLagMs`).
 */
export const RESTART_SHOWN_WITHIN_MS = 5 * 60_000;

/**
 * True when `remote` is the failure a restart that took was sent over (no later `lastUpdate`), not
 * the restarted run's outcome: the caller polls on (for RESTART_SHOWN_WITHIN_MS at most).
 */
export function failedBeforeRestart(job: JobState, remote: JobMetadata): boolean {
  if (!(remote.isTerminal && remote.error) || job.restartPending || !job.restartSeen) return false;
  return Date.parse(remote.lastUpdate ?? '') <= Date.parse(job.restartSeen);
}

/** Running or finished again, or failed again since (a later `lastUpdate`); unknown times tell nothing. */
function tookEffect(seen: string | undefined, remote: JobMetadata): boolean {
  if (!(remote.isTerminal && remote.error)) return true;
  return Date.parse(remote.lastUpdate ?? '') > Date.parse(seen ?? '');
}

/** A 4xx answer: the service read the request and did not act on it. */
function refused(err: unknown): boolean {
  return err instanceof ApiError && err.status !== undefined && err.status >= 400 && err.status < 500;
}

function answerLost(jobId: string, cause: unknown): ApiError {
  const e = cause instanceof ApiError ? cause : new ApiError(String(cause), 'network', 'restart job');
  return new ApiError(
    `Job ${jobId}: a restart was sent but its answer was lost (${e.message}). Try again: the job is checked first, so it is not restarted twice.`,
    e.code,
    'restart job',
    e.status,
    e.retryable,
  );
}

function taken(journal: Journal<JobJournalRecord>, job: JobState): void {
  recordJob(journal, job, { t: 'restarted', jobId: job.jobId, at: now() });
}

function abandon(journal: Journal<JobJournalRecord>, job: JobState): void {
  recordJob(journal, job, { t: 'restart-abandoned', jobId: job.jobId, at: now() });
}
