// The first rows of results.csv for the Results tab (reads only as much of the file as it needs).

import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { ResultsPreview } from '../../../shared/domain';
import { readJson } from '../atomic-file';
import { CsvParser, spreadsheetValue } from './csv';
import { CSV_COLUMNS, RESULTS_CSV, RESULTS_META, type JoinSummary } from './results-join';

export function readResultsPreview(outDir: string, rows: number): ResultsPreview {
  const file = path.join(outDir, RESULTS_CSV);
  const preview: ResultsPreview = { columns: [...CSV_COLUMNS], rows: [], totalRows: 0, path: file };
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return preview;
  }
  const records: string[][] = [];
  let ended = false;
  try {
    const parser = new CsvParser();
    const decoder = new StringDecoder('utf8');
    const buf = Buffer.alloc(64 * 1024);
    while (records.length < rows + 1) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) {
        records.push(...parser.push(decoder.end()), ...parser.end());
        ended = true;
        break;
      }
      records.push(...parser.push(decoder.write(buf.subarray(0, n))));
    }
  } finally {
    fs.closeSync(fd);
  }
  if (records.length > 0) preview.columns = records[0]!;
  preview.rows = records.slice(1, rows + 1).map((r) => r.map(spreadsheetValue));
  let meta: JoinSummary | undefined;
  try {
    meta = readJson<JoinSummary>(path.join(outDir, RESULTS_META));
  } catch {
    meta = undefined;
  }
  preview.totalRows = meta?.rows ?? (ended ? records.length - 1 : preview.rows.length);
  return preview;
}
