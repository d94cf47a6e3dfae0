// How an ingest (or resume) ends for the command line: the exit code and the rejections listed
// with their reasons. 0 every file is in the batch, 2 finished with rejected files, 1 failure.

import type { ItemSummary } from '../../shared/domain';
import { readRejections } from '../engine/ingest/item-files';
import { EXIT_FAILURE, EXIT_OK, EXIT_REJECTIONS } from './command';
import type { ProgressDisplay } from './progress-display';

export async function reportOutcome(summary: ItemSummary, itemDir: string, display: ProgressDisplay, json: boolean): Promise<number> {
  if (summary.state === 'failed' || summary.state === 'cancelled') {
    const msg = summary.error?.message ?? `The item ended ${summary.state}.`;
    const next =
      summary.state !== 'failed'
        ? ''
        : summary.error?.failedJobId
          ? ' Run `batch-desk resume --restart-failed-jobs` to run the job again on the service.'
          : ' Run `batch-desk resume` to continue.';
    display.note(`${summary.name}: failed at ${summary.stage}: ${msg}${next}`, {
      id: summary.id,
      state: summary.state,
      error: summary.error,
    });
    return EXIT_FAILURE;
  }
  if (summary.state !== 'done') {
    display.note(`${summary.name}: stopped during ${summary.stage}; run \`batch-desk resume\` to continue.`, { id: summary.id, state: summary.state });
    return EXIT_FAILURE;
  }
  let rejected = 0;
  for await (const r of readRejections(itemDir)) {
    if (r.reason === 'renamed-collision') {
      if (json) display.note(r.message, { id: summary.id, rejection: r });
      continue;
    }
    rejected++;
    // Most reasons already name the file; say the path once.
    display.note(`rejected: ${r.message.includes(r.sourcePath) ? r.message : `${r.sourcePath}: ${r.message}`}`, { id: summary.id, rejection: r });
  }
  // `process` works on a batch that already exists: it sent nothing, so "0 file(s) sent" would mislead.
  if (summary.stages.upload === 'skipped') return rejected > 0 ? EXIT_REJECTIONS : EXIT_OK;
  const p = summary.progress;
  const line = `${summary.name}: ${p.files.done} file(s) sent to batch ${summary.batchId}${summary.videoBatchId ? ` (videos: ${summary.videoBatchId})` : ''}, ${p.indexed.done} indexed, ${rejected} rejected.`;
  display.note(line, { id: summary.id, state: summary.state, batchId: summary.batchId, videoBatchId: summary.videoBatchId, rejected, progress: p });
  return rejected > 0 ? EXIT_REJECTIONS : EXIT_OK;
}
