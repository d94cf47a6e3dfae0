// The files the Workflow failed on (rows with status "failed" in results.jsonl): the command line
// lists them with their reason, as it lists rejected files, and exits 2. Only the first few are
// listed: thousands of failures would bury the terminal, and results.jsonl holds them all.

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { formatCount } from '../../shared/format';
import { RESULTS_JSONL, type ResultRow } from '../engine/export/results-join';
import type { ProgressDisplay } from './progress-display';

export const FAILED_FILES_LISTED = 20;

/** The first `limit` failed rows of results.jsonl, read without parsing every prediction. */
export async function readFailedRows(outDir: string, limit: number): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const input = fs.createReadStream(path.join(outDir, RESULTS_JSONL), 'utf8');
  try {
    for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
      // Cheap filter first: the file may hold gigabytes of predictions.
      if (!line.includes('"status":"failed"')) continue;
      const row = JSON.parse(line) as ResultRow;
      if (row.status !== 'failed') continue;
      rows.push(row);
      if (rows.length >= limit) break;
    }
  } finally {
    input.destroy(); // stopping early leaves the file open otherwise
  }
  return rows;
}

/**
 * Lists the files the Workflow failed on: on stderr always, and as JSON records too with --json.
 * `failed` is the count from the join summary, so the list can say how many it leaves out.
 */
export async function reportWorkflowFailures(outDir: string, failed: number, display: ProgressDisplay, stderr: NodeJS.WritableStream, json: boolean): Promise<void> {
  const rows = await readFailedRows(outDir, FAILED_FILES_LISTED);
  const results = path.join(outDir, RESULTS_JSONL);
  const heading = `The Workflow failed on ${formatCount(failed)} file(s); they have no result (status "failed" in ${results}):`;
  if (json) display.note(heading, { workflowFailures: { count: failed, listed: rows.length, results } });
  const lines = [heading];
  for (const r of rows) {
    const line = `${r.sourcePath ?? r.batchName}: ${r.reason ?? 'no reason given'}`;
    lines.push(`  ${line}`);
    if (json) display.note(`failed: ${line}`, { workflowFailure: r });
  }
  const unlisted = failed - rows.length;
  if (unlisted > 0) lines.push(`  … and ${formatCount(unlisted)} more, listed in ${results}.`);
  stderr.write(lines.join('\n') + '\n');
}
