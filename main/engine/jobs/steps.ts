// The job half of the pipeline: `processing` (start the job once, poll it to the end) and `export`
// (download the results, join them back to the source files).

import type { Step } from '../pipeline/step';
import { pollTimingsFromEnv, type PollTimings } from '../poll/poller';
import { createExportStep } from './export-step';
import { createProcessingStep } from './processing-step';

export function createJobSteps(opts: { pollTimings?: Partial<PollTimings> } = {}): Step[] {
  return [createProcessingStep(opts.pollTimings ?? pollTimingsFromEnv()), createExportStep()];
}

export const jobSteps: Step[] = createJobSteps();

export { readJobStages, readJobLogs } from './job-view';
export { abortItemJobs, restartForRetry, restartItemJobs, unfinishedJobs } from './job-control';
export { readResultsPreview } from '../export/results-preview';
