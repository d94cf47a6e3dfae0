// Task progress computed as the official client does (roboflow-api.md 5.5): each task is worth
// 1/tasksNumber; finished tasks (statusType other than `info`) count whole, running ones by their
// progress fraction; tasks the service has not listed yet, or listed without progress, are waiting.

import type { TaskCounts } from '../../../shared/domain';
import type { JobTask } from '../roboflow/processing';

export function isRunningStatus(statusType: string): boolean {
  return statusType.toLowerCase() === 'info';
}

export function isErrorStatus(statusType: string): boolean {
  return statusType.toLowerCase().includes('error');
}

export function taskCounts(tasksNumber: number, tasks: readonly JobTask[]): TaskCounts {
  const total = Math.max(1, tasksNumber, tasks.length);
  let running = 0;
  let succeeded = 0;
  let failed = 0;
  let work = 0;
  for (const task of tasks) {
    if (!isRunningStatus(task.statusType)) {
      if (isErrorStatus(task.statusType)) failed++;
      else succeeded++;
      work += 1;
    } else if (task.progress !== null) {
      running++;
      work += task.progress;
    }
  }
  const waiting = Math.max(0, total - running - succeeded - failed);
  return { total, waiting, running, succeeded, failed, fraction: Math.min(1, work / total) };
}

/** Sums the counts of several stages (fraction weighted by tasks). */
export function sumTaskCounts(list: readonly TaskCounts[]): TaskCounts {
  const out: TaskCounts = { total: 0, waiting: 0, running: 0, succeeded: 0, failed: 0, fraction: 0 };
  let work = 0;
  for (const c of list) {
    out.total += c.total;
    out.waiting += c.waiting;
    out.running += c.running;
    out.succeeded += c.succeeded;
    out.failed += c.failed;
    work += c.fraction * c.total;
  }
  out.fraction = out.total ? work / out.total : 0;
  return out;
}
