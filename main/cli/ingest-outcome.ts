// How an ingest (or resume) ends for the command line: the exit code and the rejections listed
// with their reasons. 0 every file is in the batch, 2 finished with rejected files, 1 failure.

import type { ItemSummary } from '../../shared/domain';
import { readRejections } from '../engine/ingest/item-files';
import { EXIT_FAILURE, EXIT_OK, EXIT_REJECTIONS } from './command';
import type { ProgressDisplay } from './progress-display';

/** A message as a sentence, so the advice after it reads as one. */
function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

/**
 * Problems (the failure, each rejected file) go to `problems` (stderr), like the Workflow's failed
 * files, so `2>errors.txt` keeps them all and stdout keeps the outcome; with --json everything is
 * a record on stdout.
 */
export async function reportOutcome(
  summary: ItemSummary,
  itemDir: string,
  display: ProgressDisplay,
  json: boolean,
  problems: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const problem = (text: string, record: Record<string, unknown>) => (json ? display.note(text, record) : problems.write(text + '\n'));
  if (summary.state === 'failed' || summary.state === 'cancelled') {
    const msg = sentence(summary.error?.message ?? `The item ended ${summary.state}.`);
    const next =
      summary.state !== 'failed'
        ? ''
        : summary.error?.failedJobId
          ? ' Run `batch-desk resume --restart-failed-jobs` to run the job again on the service.'
          : summary.error?.code === 'not-found' || summary.error?.code === 'conflict'
            ? '' // a resume meets the same missing job or taken id: the message says what to do instead
            : ' Run `batch-desk resume` to continue.';
    display.close(); // a progress line under way ends before the problem is said
    problem(`${summary.name}: failed at ${summary.stage}: ${msg}${next}`, {
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
  let rejectedByService = 0;
  for await (const r of readRejections(itemDir)) {
    if (r.reason === 'renamed-collision') {
      if (json) display.note(r.message, { id: summary.id, rejection: r });
      continue;
    }
    rejected++;
    if (r.reason === 'rejected-by-service') rejectedByService++;
    // Most reasons already name the file; say the path once.
    problem(`rejected: ${r.message.includes(r.sourcePath) ? r.message : `${r.sourcePath}: ${r.message}`}`, { id: summary.id, rejection: r });
  }
  // `process` works on a batch that already exists: it sent nothing, so "0 file(s) sent" would mislead.
  if (summary.stages.upload === 'skipped') return rejected > 0 ? EXIT_REJECTIONS : EXIT_OK;
  const p = summary.progress;
  // Files rejected before sending are not among those sent: say which rejections are which, so the counts add up.
  const notSent = rejected - rejectedByService;
  const split = notSent > 0 && rejectedByService > 0 ? ` (${notSent} not sent, ${rejectedByService} by the service)` : notSent > 0 ? ' (not sent)' : '';
  const line = `${summary.name}: ${p.files.done} file(s) sent to batch ${summary.batchId}${summary.videoBatchId ? ` (videos: ${summary.videoBatchId})` : ''}, ${p.indexed.done} indexed, ${rejected} rejected${split}.`;
  display.note(line, { id: summary.id, state: summary.state, batchId: summary.batchId, videoBatchId: summary.videoBatchId, rejected, progress: p });
  return rejected > 0 ? EXIT_REJECTIONS : EXIT_OK;
}
