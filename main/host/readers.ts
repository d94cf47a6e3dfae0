// What the host reads from an item's folder for the detail view. The ingest, jobs and export parts
// own these files; the host only calls their readers.

import type { FileRow, FileState, JobLogRow, JobStageRow, ResultsPreview, ShardRow } from '../../shared/domain';
import { readJobLogs, readJobStages } from '../engine/jobs/job-view';

export interface ItemReaders {
  shards(itemDir: string): ShardRow[] | Promise<ShardRow[]>;
  files(itemDir: string, offset: number, limit: number, state?: FileState): { rows: FileRow[]; total: number } | Promise<{ rows: FileRow[]; total: number }>;
  rejectionsCsv(itemDir: string): Promise<string>;
  stages(itemDir: string): JobStageRow[];
  logs(itemDir: string): JobLogRow[];
  resultsPreview(outDir: string, rows: number): ResultsPreview | Promise<ResultsPreview>;
}

export function defaultReaders(): ItemReaders {
  return {
    shards: () => [],
    files: () => ({ rows: [], total: 0 }),
    rejectionsCsv: async () => 'source_path,reason,message\n',
    stages: (dir) => readJobStages(dir),
    logs: (dir) => readJobLogs(dir),
    resultsPreview: (outDir) => ({ columns: [], rows: [], totalRows: 0, path: outDir }),
  };
}
