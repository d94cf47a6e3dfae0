// The files without a result: rows with status "failed" (the Workflow failed on them) or "missing"
// (no prediction for them in the export) in results.jsonl. The command line lists them with their
// reason, as it lists rejected files, and exits 2. Only the first few are listed: thousands would
// bury the terminal, and results.jsonl holds them all.

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { formatCount } from '../../shared/format';
import { EXPORT_DIR } from '../engine/export/export-results';
import { RESULTS_JSONL, type JoinSummary, type ResultRow } from '../engine/export/results-join';
import type { ProgressDisplay } from './progress-display';

export const FAILED_FILES_LISTED = 20;

type NoResult = 'failed' | 'missing';

/** How each kind is introduced, and the --json records that carry the count and each listed row. */
const LISTINGS: Record<NoResult, { heading: (count: string) => string; countKey: string; rowKey: string }> = {
  failed: { heading: (n) => `The Workflow failed on ${n} file(s)`, countKey: 'workflowFailures', rowKey: 'workflowFailure' },
  missing: { heading: (n) => `${n} file(s) have no prediction in the export`, countKey: 'missingResults', rowKey: 'missingResult' },
};

/**
 * The first `limit` rows of results.jsonl of each status wanted, in one pass (the file may hold
 * gigabytes of predictions), without parsing the rows of other statuses.
 */
async function readRowsWithStatus(outDir: string, wanted: readonly NoResult[], limit: number): Promise<Record<NoResult, ResultRow[]>> {
  const rows: Record<NoResult, ResultRow[]> = { failed: [], missing: [] };
  const open = new Set(wanted);
  const input = fs.createReadStream(path.join(outDir, RESULTS_JSONL), 'utf8');
  try {
    for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
      // Cheap filter first: a row of no wanted status is not parsed.
      const status = [...open].find((st) => line.includes(`"status":"${st}"`));
      if (!status) continue;
      const row = JSON.parse(line) as ResultRow;
      if (row.status !== status) continue;
      rows[status].push(row);
      if (rows[status].length >= limit) open.delete(status);
      if (open.size === 0) break;
    }
  } finally {
    input.destroy(); // stopping early leaves the file open otherwise
  }
  return rows;
}

/**
 * Lists the rows with this status: on stderr always, and as JSON records too with --json.
 * `count` is the join summary's, so the list can say how many it leaves out.
 */
function listRows(outDir: string, status: NoResult, count: number, rows: ResultRow[], display: ProgressDisplay, stderr: NodeJS.WritableStream, json: boolean): void {
  const { heading: headingOf, countKey, rowKey } = LISTINGS[status];
  const results = path.join(outDir, RESULTS_JSONL);
  const heading = `${headingOf(formatCount(count))}; they have no result (status "${status}" in ${results}):`;
  if (json) display.note(heading, { [countKey]: { count, listed: rows.length, results } });
  const lines = [heading];
  for (const r of rows) {
    const line = `${r.sourcePath ?? r.batchName}: ${r.reason ?? 'no reason given'}`;
    lines.push(`  ${line}`);
    if (json) display.note(`${status}: ${line}`, { [rowKey]: r });
  }
  const unlisted = count - rows.length;
  if (unlisted > 0) lines.push(`  … and ${formatCount(unlisted)} more, listed in ${results}.`);
  stderr.write(lines.join('\n') + '\n');
}

/**
 * Says what the join left without a result: the files the Workflow failed on, the files with no
 * prediction, and the prediction rows that could not be read. True when some file has no result
 * (exit 2: not every file made it).
 */
export async function reportResultGaps(outDir: string, results: JoinSummary, display: ProgressDisplay, stderr: NodeJS.WritableStream, json: boolean): Promise<boolean> {
  if (results.unreadable > 0) {
    const exportDir = path.join(outDir, EXPORT_DIR);
    const line = `warning: ${formatCount(results.unreadable)} prediction row(s) in ${exportDir} could not be read (not JSON, or no file-name field recognised) and were left out.`;
    if (json) display.note(line, { unreadablePredictions: { count: results.unreadable, exportDir } });
    stderr.write(line + '\n');
  }
  const wanted = (['failed', 'missing'] as const).filter((status) => results[status] > 0);
  if (wanted.length === 0) return false;
  const rows = await readRowsWithStatus(outDir, wanted, FAILED_FILES_LISTED);
  for (const status of wanted) listRows(outDir, status, results[status], rows[status], display, stderr, json);
  return true;
}
