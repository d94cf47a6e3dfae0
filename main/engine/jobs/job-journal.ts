// The item's job journal (<itemDir>/job.jsonl). The intent to start a job — its id and exact body —
// is journaled before the POST, so after any crash the same id and body are sent again (idempotent
// at the service) instead of a new job being created. Restarts and terminal states are kept too; a
// restart's intent holds what the job looked like before it, to tell later whether it took
// (restart-job.ts), as a restart is never sent again blindly.

import path from 'node:path';
import { Journal, readRecords } from '../journal';
import type { JobMediaKind } from './job-body';

export type JobJournalRecord =
  | { t: 'intent'; jobId: string; kind: JobMediaKind; batchId: string; body: Record<string, unknown>; name?: string; at: string }
  | { t: 'created'; jobId: string; at: string }
  | { t: 'terminal'; jobId: string; error: boolean; message: string; at: string }
  | { t: 'restart-intent'; jobId: string; body?: Record<string, unknown>; seen?: string; at: string }
  | { t: 'restarted'; jobId: string; at: string }
  | { t: 'restart-abandoned'; jobId: string; at: string }
  | { t: 'abort'; jobId: string; at: string }
  | { t: 'aborted'; jobId: string; at: string };

export interface JobState {
  jobId: string;
  kind: JobMediaKind;
  batchId: string;
  body: Record<string, unknown>;
  name?: string;
  created: boolean;
  /** The last terminal state seen, cleared by a later restart. */
  terminal?: { error: boolean; message: string };
  /** A restart was journaled but neither its answer nor its outcome was. */
  restartPending: boolean;
  /**
   * The job's `lastUpdate` just before its last restart (pending or taken) was sent: a later one
   * means it took, and once it took, a failure no later than it is not the restarted run's.
   */
  restartSeen?: string;
  /** When the job was created or last restarted (ISO), as journaled: how long it has been running. */
  runningSince?: string;
  /** The service took an abort of it (an abort sent before the job existed does not count). */
  abortTaken: boolean;
}

export function jobJournalPath(itemDir: string): string {
  return path.join(itemDir, 'job.jsonl');
}

export function openJobJournal(itemDir: string): Journal<JobJournalRecord> {
  return Journal.open<JobJournalRecord>(jobJournalPath(itemDir));
}

/** Folds the journal into one state per job, in the order the jobs were first intended. */
export function readJobStates(itemDir: string): JobState[] {
  const jobs = new Map<string, JobState>();
  for (const r of readRecords<JobJournalRecord>(jobJournalPath(itemDir))) {
    if (r.t === 'intent') {
      if (!jobs.has(r.jobId)) {
        jobs.set(r.jobId, { jobId: r.jobId, kind: r.kind, batchId: r.batchId, body: r.body, name: r.name, created: false, restartPending: false, abortTaken: false });
      }
      continue;
    }
    const j = jobs.get(r.jobId);
    if (j) applyJobRecord(j, r);
  }
  return [...jobs.values()];
}

/**
 * What a record (other than the intent) says of its job. Used to read the journal, and by whoever
 * appends a record for a job it holds, so the job in memory is the one a later read would give.
 */
export function applyJobRecord(j: JobState, r: Exclude<JobJournalRecord, { t: 'intent' }>): void {
  switch (r.t) {
    case 'created':
      j.created = true;
      j.runningSince ??= r.at;
      break;
    case 'terminal':
      j.terminal = { error: r.error, message: r.message };
      break;
    case 'restart-intent':
      j.restartPending = true;
      j.restartSeen = r.seen;
      break;
    case 'restarted':
      // running again, from now: an earlier abort or ending no longer holds
      j.restartPending = false;
      j.terminal = undefined;
      j.abortTaken = false;
      j.runningSince = r.at;
      break;
    case 'restart-abandoned':
      // refused by the service, or not known to have taken (the operator was told): never re-sent
      j.restartPending = false;
      j.restartSeen = undefined;
      break;
    case 'aborted':
      j.abortTaken = true;
      break;
    case 'abort':
      break;
  }
}

/** Appends `r` and applies it to the job held in memory. */
export function recordJob(journal: Journal<JobJournalRecord>, j: JobState, r: Exclude<JobJournalRecord, { t: 'intent' }>): void {
  journal.append(r);
  applyJobRecord(j, r);
}

export const now = (): string => new Date().toISOString();
