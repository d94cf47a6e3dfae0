// Starting a job so that it can never be started twice: the id and the exact body are journaled
// before the POST; after a crash the journaled id and body are sent again, which the service treats
// as the same job (a 409 there means someone else used the id with other settings).

import { jobIdProblem, newJobId } from '../../../shared/ids';
import type { JobOptions } from '../../../shared/domain';
import { ApiError } from '../roboflow/http';
import type { RoboflowClient } from '../roboflow/client';
import type { Journal } from '../journal';
import { buildJobBody, canonicalJson, type JobMediaKind } from './job-body';
import { now, recordJob, type JobJournalRecord, type JobState } from './job-journal';

export interface JobTargetBatch {
  batchId: string;
  kind: JobMediaKind;
}

/** Which batches of the item get a job: the images batch and the videos batch, when they exist. */
export async function discoverTargets(
  client: RoboflowClient,
  batchIds: { batchId?: string; videoBatchId?: string },
  signal: AbortSignal,
): Promise<JobTargetBatch[]> {
  const out: JobTargetBatch[] = [];
  for (const [id, hint] of [
    [batchIds.batchId, 'images'],
    [batchIds.videoBatchId, 'videos'],
  ] as const) {
    if (!id || out.some((t) => t.batchId === id)) continue;
    const batch = await client.staging.findBatch(id, signal);
    if (!batch) continue;
    const content = batch.batchContentType.toLowerCase();
    const kind: JobMediaKind = content === 'videos' ? 'videos' : content === 'images' ? 'images' : hint;
    out.push({ batchId: id, kind });
  }
  return out;
}

/** Journals the intent for a new job (id checked against the rules) and returns its state. */
export function journalIntent(
  journal: Journal<JobJournalRecord>,
  options: JobOptions,
  target: JobTargetBatch,
  workspace: string,
  jobId: string,
): JobState {
  const problem = jobIdProblem(jobId);
  if (problem) throw new ApiError(problem, 'invalid-argument', 'start job');
  const body = buildJobBody(options, { batchId: target.batchId, workspace, kind: target.kind });
  const name = options.jobName || undefined;
  journal.append({ t: 'intent', jobId, kind: target.kind, batchId: target.batchId, body, name, at: now() });
  return { jobId, kind: target.kind, batchId: target.batchId, body, name, created: false, restartPending: false, abortTaken: false };
}

/** Sends the journaled start (again, if its answer was lost) and journals the answer. */
export async function ensureCreated(
  journal: Journal<JobJournalRecord>,
  client: RoboflowClient,
  job: JobState,
  signal: AbortSignal,
): Promise<void> {
  if (job.created) return;
  await client.processing.createJob(job.jobId, job.body, job.name, signal);
  recordJob(journal, job, { t: 'created', jobId: job.jobId, at: now() });
}

/** True when the journaled job was made from the same options (so a retry keeps using it). */
export function sameDefinition(job: JobState, options: JobOptions, workspace: string): boolean {
  const body = buildJobBody(options, { batchId: job.batchId, workspace, kind: job.kind });
  return canonicalJson(body) === canonicalJson(job.body) && (options.jobName || undefined) === job.name;
}

/**
 * The item's current jobs: those made from its current settings, which its processing step polls
 * and exports. Jobs of earlier settings are superseded: never restarted, aborted when replaced.
 */
export function currentJobs(all: readonly JobState[], options: JobOptions, workspace: string): JobState[] {
  return all.filter((j) => sameDefinition(j, options, workspace));
}

/** The id for the n-th job of an item: the operator's for the first, generated otherwise. */
export function jobIdFor(options: JobOptions, index: number, taken: ReadonlySet<string>): string {
  if (index === 0 && options.jobId && !taken.has(options.jobId)) return options.jobId;
  let id = newJobId();
  while (taken.has(id)) id = newJobId();
  return id;
}
