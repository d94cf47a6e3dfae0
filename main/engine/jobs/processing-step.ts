// The `processing` step: start the item's job(s) exactly once, then poll until they end. On
// success the output batches are recorded for the export step; on failure the job's error logs are
// kept with the item and the item fails with the job's own message.

import type { JobStageRow } from '../../../shared/domain';
import { ApiError } from '../roboflow/http';
import { JobFailedError } from './job-failed-error';
import type { RoboflowClient } from '../roboflow/client';
import type { Step, StepContext } from '../pipeline/step';
import { notificationText } from '../roboflow/processing';
import { pollUntil, type PollTimings } from '../poll/poller';
import { noteExpiry } from './expiry';
import { now, openJobJournal, readJobStates, type JobState } from './job-journal';
import { RESTART_SHOWN_WITHIN_MS, failedBeforeRestart, settleRestart } from './restart-job';
import { JobReader, combinedCounts, outputBatchesOf, snapshotFingerprint, type JobSnapshot } from './job-snapshot';
import { abortJobs } from './job-control';
import { currentJobs, discoverTargets, ensureCreated, jobIdFor, journalIntent } from './start-job';
import { logRow, stageRow, writeJobLogs, writeJobStages } from './job-view';

export interface JobOutputs {
  /** Output batch ids, best first (export stage first). */
  batches: string[];
}

export function createProcessingStep(timings?: Partial<PollTimings>): Step {
  return { stage: 'processing', run: (ctx) => runProcessing(ctx, timings) };
}

async function runProcessing(ctx: StepContext, timings?: Partial<PollTimings>): Promise<void> {
  const options = ctx.item.spec.job;
  if (!options?.workflowId) throw new ApiError('No Workflow was given for this item; set one to process it.', 'invalid-argument', 'start job');
  const client = await ctx.client();
  const journal = openJobJournal(ctx.itemDir);
  try {
    const all = readJobStates(ctx.itemDir);
    let jobs = currentJobs(all, options, client.workspace);
    if (jobs.length === 0) {
      // New settings: a job of the old ones that may still run is aborted, as nobody would collect it.
      await abortJobs(journal, client, all, ctx.signal);
      // First start (or new settings): journal every intent before any POST.
      const targets = await discoverTargets(client, { batchId: ctx.item.batchId, videoBatchId: ctx.item.videoBatchId }, ctx.signal);
      if (targets.length === 0) throw new ApiError(`Nothing to process: batch ${ctx.item.batchId} does not exist or holds no files.`, 'not-found', 'start job');
      const taken = new Set(all.map((j) => j.jobId));
      jobs = targets.map((t, i) => {
        const id = jobIdFor(options, i, taken);
        taken.add(id);
        return journalIntent(journal, options, t, client.workspace, id);
      });
      ctx.patch({ jobId: jobs[0]!.jobId, facts: { ...ctx.item.facts, jobIds: jobs.map((j) => j.jobId) } });
    } else if (ctx.item.jobId !== jobs[0]!.jobId) {
      ctx.patch({ jobId: jobs[0]!.jobId, facts: { ...ctx.item.facts, jobIds: jobs.map((j) => j.jobId) } });
    }

    const inputs = await Promise.all(jobs.map((j) => client.staging.findBatch(j.batchId, ctx.signal)));
    noteExpiry(ctx, 'Inputs', inputs.map((b) => b?.expiryDate));

    for (const job of jobs) {
      await ensureCreated(journal, client, job, ctx.signal);
      await finishPendingRestart(journal, client, job, ctx.signal);
    }

    const readers = jobs.map((j) => new JobReader(client, j.jobId));
    // A restarted job may still read as the failure it was restarted from: not its outcome yet.
    const restartShownBy = Date.now() + RESTART_SHOWN_WITHIN_MS;
    const ended = (s: JobSnapshot, i: number) => s.job.isTerminal && !(failedBeforeRestart(jobs[i]!, s.job) && Date.now() < restartShownBy);
    const stageRows = new Map<string, JobStageRow[]>();
    let lastRows = '';
    const final = await pollUntil<JobSnapshot[]>({
      what: 'job',
      signal: ctx.signal,
      timings,
      since: runningSince(jobs),
      log: ctx.log,
      read: async (signal) => Promise.all(readers.map((r) => r.read(signal))),
      fingerprint: (snaps) => snaps.map(snapshotFingerprint).join('|'),
      onValue: (snaps) => {
        for (const s of snaps) stageRows.set(s.job.jobId, s.stages.map((st) => stageRow(st, s.counts.get(st.processingStageId)!)));
        const rows = jobs.flatMap((j) => stageRows.get(j.jobId) ?? []);
        const text = JSON.stringify(rows);
        if (text !== lastRows) {
          writeJobStages(ctx.itemDir, rows);
          lastRows = text;
        }
        const tasks = combinedCounts(snaps);
        if (tasks) ctx.progress({ tasks });
      },
      done: (snaps) => snaps.every(ended),
      // Shown as the item's retry line: minutes of "waiting" with no word would look like a hang.
      onFailing: (f) =>
        ctx.progress({
          retrying: f && {
            count: 1,
            reason: `the service is not answering (since ${new Date(f.since).toLocaleTimeString('en-GB')}): ${f.message}; polling on`,
            nextAttemptAt: new Date(f.nextAt).toISOString(),
          },
        }),
    });

    const failed = final.find((s) => s.job.error);
    for (const s of final) {
      const message = notificationText(s.job.lastNotification) || (s.job.error ? 'The job failed.' : 'Job completed.');
      journal.append({ t: 'terminal', jobId: s.job.jobId, error: s.job.error, message, at: now() });
    }
    if (failed) {
      await keepErrorLogs(ctx, client, final.filter((s) => s.job.error).map((s) => s.job.jobId));
      const message = notificationText(failed.job.lastNotification) || 'no reason given';
      throw new JobFailedError(failed.job.jobId, message);
    }
    const outputs: Record<string, JobOutputs> = {};
    for (const s of final) outputs[s.job.jobId] = { batches: outputBatchesOf(s) };
    ctx.patch({ facts: { ...ctx.item.facts, jobOutputs: outputs } });
  } finally {
    journal.close();
  }
}

/** When the earliest of the jobs began running, epoch ms, if the journal says. */
function runningSince(jobs: readonly JobState[]): number | undefined {
  const times = jobs.map((j) => Date.parse(j.runningSince ?? '')).filter(Number.isFinite);
  return times.length > 0 ? Math.min(...times) : undefined;
}

/**
 * A restart the operator asked for (job-control.ts) whose answer the journal does not hold (the
 * process died while it was sent) is settled from the job's state, never sent again: taken, the
 * job is polled; otherwise the item fails asking the operator to check the job. A job that simply
 * failed is never restarted here either: running this step again (a resume, a retry) polls it,
 * finds it failed and fails the item again. Restarting a job runs it, and is paid for, again, so
 * it happens only where the operator asks for it, once.
 */
async function finishPendingRestart(
  journal: ReturnType<typeof openJobJournal>,
  client: RoboflowClient,
  job: JobState,
  signal: AbortSignal,
): Promise<void> {
  if (!job.restartPending) return;
  settleRestart(journal, job, await client.processing.getJob(job.jobId, signal));
}

async function keepErrorLogs(ctx: StepContext, client: RoboflowClient, jobIds: string[]): Promise<void> {
  try {
    const rows = [];
    for (const id of jobIds) {
      const logs = await client.processing.logs(id, { severity: 'error', limit: 1000, signal: ctx.signal });
      rows.push(...logs.map(logRow));
    }
    writeJobLogs(ctx.itemDir, rows);
  } catch (err) {
    ctx.log.warn('could not fetch the job logs', { error: (err as Error).message });
  }
}
