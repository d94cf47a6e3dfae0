// One poll of a job: its metadata, its stages and the tasks of the stages still running (tasks of
// finished stages are read once and kept).

import type { TaskCounts } from '../../../shared/domain';
import type { RoboflowClient } from '../roboflow/client';
import { ApiError } from '../roboflow/http';
import type { JobMetadata, JobStage, JobTask } from '../roboflow/processing';
import { isRunningStatus, sumTaskCounts, taskCounts } from './task-counts';

export interface JobSnapshot {
  job: JobMetadata;
  stages: JobStage[];
  counts: Map<string, TaskCounts>;
}

export class JobReader {
  private readonly finishedTasks = new Map<string, JobTask[]>();

  constructor(
    private readonly client: RoboflowClient,
    readonly jobId: string,
  ) {}

  async read(signal: AbortSignal): Promise<JobSnapshot> {
    const job = await this.client.processing.getJob(this.jobId, signal).catch((err: unknown) => {
      // Polled because it was created: a 404 now means the service dropped it, and no resume brings it back.
      if (err instanceof ApiError && err.status === 404) {
        throw new ApiError(
          `The service no longer knows job ${this.jobId} (404): it expired or was deleted, so its results cannot be collected. Start a new job on the batch.`,
          'not-found',
          'get job',
          404,
          false,
          err.body,
        );
      }
      throw err;
    });
    const stages = (await this.client.processing.stages(this.jobId, signal)).sort((a, b) =>
      (a.startTimestamp ?? '').localeCompare(b.startTimestamp ?? ''),
    );
    const counts = new Map<string, TaskCounts>();
    for (const stage of stages) {
      let tasks = this.finishedTasks.get(stage.processingStageId);
      if (!tasks) {
        tasks = await this.client.processing.tasks(this.jobId, stage.processingStageId, signal);
        if (!isRunningStatus(stage.statusType)) this.finishedTasks.set(stage.processingStageId, tasks);
      }
      counts.set(stage.processingStageId, taskCounts(stage.tasksNumber, tasks));
    }
    return { job, stages, counts };
  }

  /** A restart throws the old stages away. */
  reset(): void {
    this.finishedTasks.clear();
  }
}

/** Counts of the stage the job is in now (or the last one started). */
export function currentCounts(s: JobSnapshot): TaskCounts | undefined {
  const stage = s.stages.find((st) => st.processingStageName === s.job.currentStage) ?? s.stages[s.stages.length - 1];
  return stage ? s.counts.get(stage.processingStageId) : undefined;
}

export function combinedCounts(snaps: readonly JobSnapshot[]): TaskCounts | undefined {
  const list = snaps.map(currentCounts).filter((c): c is TaskCounts => !!c);
  return list.length ? sumTaskCounts(list) : undefined;
}

/**
 * Changes when the job moves on (state, stage, tasks finished); equal texts let the poller back off.
 * A running task's progress is left out, as it changes on nearly every poll.
 */
export function snapshotFingerprint(s: JobSnapshot): string {
  return JSON.stringify([
    s.job.isTerminal,
    s.job.error,
    s.job.currentStage,
    s.stages.map((st) => {
      const c = s.counts.get(st.processingStageId);
      return [st.processingStageId, st.statusType, c?.succeeded, c?.failed];
    }),
  ]);
}

/** Output batches of a job, best first: export stage, then processing stage, then the final notification. */
export function outputBatchesOf(s: Pick<JobSnapshot, 'job' | 'stages'>): string[] {
  const out: string[] = [];
  const add = (ids: unknown) => {
    if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string' && !out.includes(id)) out.push(id);
  };
  for (const st of s.stages) if (st.processingStageName.toLowerCase() === 'export') add(st.outputBatches);
  const n = s.job.lastNotification;
  if (n && typeof n === 'object') add((n as Record<string, unknown>).resultsBatches);
  for (const st of s.stages) if (st.processingStageName.toLowerCase() === 'processing') add(st.outputBatches);
  for (const st of s.stages) add(st.outputBatches);
  return out;
}
