// What the UI shows on the Job tab, kept in the item folder from the last poll: the stages with their
// task counts (job-stages.json) and, on failure, the job's logs (job-logs.json).

import path from 'node:path';
import type { JobLogRow, JobStageRow, TaskCounts } from '../../../shared/domain';
import { readJson, writeJsonAtomic } from '../atomic-file';
import { notificationText, type JobLog, type JobStage } from '../roboflow/processing';

const STAGES_FILE = 'job-stages.json';
const LOGS_FILE = 'job-logs.json';

export function readJobStages(itemDir: string): JobStageRow[] {
  try {
    return readJson<JobStageRow[]>(path.join(itemDir, STAGES_FILE)) ?? [];
  } catch {
    return [];
  }
}

export function readJobLogs(itemDir: string): JobLogRow[] {
  try {
    return readJson<JobLogRow[]>(path.join(itemDir, LOGS_FILE)) ?? [];
  } catch {
    return [];
  }
}

export function writeJobStages(itemDir: string, rows: JobStageRow[]): void {
  writeJsonAtomic(path.join(itemDir, STAGES_FILE), rows);
}

export function writeJobLogs(itemDir: string, rows: JobLogRow[]): void {
  writeJsonAtomic(path.join(itemDir, LOGS_FILE), rows);
}

export function stageRow(stage: JobStage, tasks: TaskCounts): JobStageRow {
  return {
    id: stage.processingStageId,
    name: stage.processingStageName,
    statusType: stage.statusType,
    notification: notificationText(stage.notification),
    tasks,
    outputBatches: stage.outputBatches,
    startedAt: stage.startTimestamp ?? '',
  };
}

export function logRow(log: JobLog): JobLogRow {
  const p = log.payload;
  const text =
    (typeof p.message === 'string' && p.message) || (typeof p.error === 'string' && p.error) || (Object.keys(p).length ? JSON.stringify(p) : '');
  const message = [log.logType, text].filter(Boolean).join(': ');
  return { createdAt: log.createdAt, severity: log.severity, message, taskId: log.taskId };
}
