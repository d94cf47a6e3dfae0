// What the host reads from an item's folder for the detail view. The ingest, jobs and export parts
// own these files; the host only calls their readers.

import type { FileRow, FileState, JobLogRow, JobStageRow, ResultsPreview, ShardRow } from '../../shared/domain';
import { readFileRows, readShardRows, readThroughputHistory, rejectionsCsv } from '../engine/ingest/item-files';
import { readJobLogs, readJobStages, readResultsPreview } from '../engine/jobs/steps';

type MaybePromise<T> = T | Promise<T>;

export interface ItemReaders {
  shards(itemDir: string): MaybePromise<ShardRow[]>;
  files(itemDir: string, offset: number, limit: number, state?: FileState): MaybePromise<{ rows: FileRow[]; total: number }>;
  rejectionsCsv(itemDir: string): Promise<string>;
  stages(itemDir: string): JobStageRow[];
  logs(itemDir: string): JobLogRow[];
  resultsPreview(outDir: string, rows: number): MaybePromise<ResultsPreview>;
  /** Throughput samples the steps persisted (used after a restart, before live samples exist). */
  throughputHistory(itemDir: string): number[];
}

export function defaultReaders(): ItemReaders {
  return {
    shards: readShardRows,
    files: readFileRows,
    rejectionsCsv,
    stages: readJobStages,
    logs: readJobLogs,
    resultsPreview: readResultsPreview,
    throughputHistory: readThroughputHistory,
  };
}
