// Joins the predictions back to the source files: results.jsonl and results.csv in the output folder,
// one row per source file of the plan (rejected ones included, with their reason), carrying the
// absolute source path, the name in the batch, and the prediction or why there is none.
//
// Memory: predictions are indexed by batch name in a Map, one bucket at a time. Everything is first
// spread over B bucket files on disk by a hash of the name, with B chosen so that one bucket holds
// about 48 MiB of prediction text; only one bucket's Map is in memory at once. With B = 1 (results
// under 48 MiB, i.e. roughly 150k images of detections) rows come out in plan order; with B > 1 they
// come out grouped by bucket, each still in plan order.

import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { replayRecords } from '../journal';
import { writeJsonAtomic, fsyncDir } from '../atomic-file';
import { CSV_BOM, csvLine, spreadsheetLine } from './csv';
import { findPredictionFiles, readPredictionFile } from './predictions';
import { isProcessRunning } from '../process-alive';

export interface SourceRow {
  sourcePath: string | null;
  batchName: string | null;
  /** Set when the file never reached the service or was refused by it. */
  rejected?: { reason: string; message: string };
}

export type ResultStatus = 'ok' | 'failed' | 'rejected' | 'missing';

export interface ResultRow {
  sourcePath: string | null;
  batchName: string | null;
  status: ResultStatus;
  reason?: string;
  prediction?: unknown;
}

export interface JoinSummary {
  rows: number;
  ok: number;
  failed: number;
  rejected: number;
  missing: number;
  /** Predictions that matched no source file (still written, with a null source path). */
  unmatched: number;
  /** Prediction rows left out: not JSON, or no file-name field recognised. */
  unreadable: number;
  buckets: number;
}

export const RESULTS_JSONL = 'results.jsonl';
export const RESULTS_CSV = 'results.csv';
export const RESULTS_META = '.results-meta.json';
export const CSV_COLUMNS = ['source_path', 'batch_name', 'status', 'reason', 'prediction'];

const BUCKET_BYTES = 48 * 1024 * 1024;

function bucketOf(name: string, buckets: number): number {
  if (buckets === 1) return 0;
  return createHash('md5').update(path.posix.basename(name)).digest().readUInt32BE(0) % buckets;
}

class Writer {
  private fd: number;
  private buf: string[] = [];
  private size = 0;
  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w');
  }
  write(s: string): void {
    this.buf.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.buf.length) fs.writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.size = 0;
  }
  close(sync = false): void {
    this.flush();
    if (sync) fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
  }
}

async function* readLines<T>(file: string): AsyncIterable<T> {
  yield* replayRecords<T>(file);
}

interface Indexed {
  value: unknown;
  error?: string;
  used: boolean;
  /** `value` is the array of several rows' predictions (video frames). */
  multi?: boolean;
}

/** A row without a prediction failed, whether or not the service said why (a CSV's `name,` says nothing). */
function outcome(v: Indexed): Pick<ResultRow, 'status' | 'reason' | 'prediction'> {
  if (v.value === null || v.value === undefined) return { status: 'failed', reason: v.error ?? 'no prediction returned' };
  return { status: 'ok', prediction: v.value, ...(v.error ? { reason: v.error } : {}) };
}

/**
 * Writes results.jsonl and results.csv into `outDir` from the source rows (in plan order) and the
 * prediction files under `predictionsDirs` (this item's exports only: an output folder used before
 * holds other jobs' too). Both files appear atomically, complete.
 */
export async function joinResults(
  outDir: string,
  predictionsDirs: readonly string[],
  sources: AsyncIterable<SourceRow>,
  bucketBytes = BUCKET_BYTES,
): Promise<JoinSummary> {
  fs.mkdirSync(outDir, { recursive: true });
  const files = predictionsDirs.flatMap(findPredictionFiles);
  const totalBytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const buckets = Math.max(1, Math.ceil(totalBytes / bucketBytes));
  removeStaleJoinFolders(outDir);
  const tmpDir = fs.mkdtempSync(path.join(outDir, `${JOIN_TMP_PREFIX}${process.pid}-`));
  const summary: JoinSummary = { rows: 0, ok: 0, failed: 0, rejected: 0, missing: 0, unmatched: 0, unreadable: 0, buckets };
  const jsonl = new Writer(path.join(outDir, `${RESULTS_JSONL}.partial`));
  const csv = new Writer(path.join(outDir, `${RESULTS_CSV}.partial`));
  // results.csv is for spreadsheets (BOM, formula-like cells neutralised); results.jsonl is the exact record.
  csv.write(CSV_BOM + csvLine(CSV_COLUMNS));
  const emit = (r: ResultRow) => {
    summary.rows++;
    summary[r.status]++;
    jsonl.write(JSON.stringify(r) + '\n');
    csv.write(
      spreadsheetLine([r.sourcePath ?? '', r.batchName ?? '', r.status, r.reason ?? '', r.prediction === undefined ? '' : JSON.stringify(r.prediction)]),
    );
  };
  try {
    // 1. Predictions → bucket files (or straight into the one Map).
    const predWriters = buckets > 1 ? Array.from({ length: buckets }, (_, i) => new Writer(path.join(tmpDir, `p${i}.jsonl`))) : [];
    let single: Map<string, Indexed> | undefined = buckets === 1 ? new Map() : undefined;
    for (const f of files) {
      for await (const row of readPredictionFile(f, () => summary.unreadable++)) {
        if (single) addPrediction(single, row.key, row.prediction, row.error);
        else predWriters[bucketOf(row.key, buckets)]!.write(JSON.stringify([row.key, row.prediction, row.error ?? null]) + '\n');
      }
    }
    for (const w of predWriters) w.close();

    // 2. Sources: joined at once (one bucket) or spread over the buckets too.
    const joinRow = (map: Map<string, Indexed>, s: SourceRow) => {
      if (s.rejected) return emit({ sourcePath: s.sourcePath, batchName: s.batchName, status: 'rejected', reason: `${s.rejected.reason}: ${s.rejected.message}` });
      const hit = s.batchName ? (map.get(s.batchName) ?? map.get(path.posix.basename(s.batchName))) : undefined;
      if (!hit) return emit({ sourcePath: s.sourcePath, batchName: s.batchName, status: 'missing', reason: 'no prediction in the export' });
      hit.used = true;
      emit({ sourcePath: s.sourcePath, batchName: s.batchName, ...outcome(hit) });
    };
    const leftovers = (map: Map<string, Indexed>) => {
      const seen = new Set<Indexed>();
      for (const [key, v] of map) {
        if (v.used || seen.has(v)) continue;
        seen.add(v);
        summary.unmatched++;
        emit({ sourcePath: null, batchName: key, ...outcome(v) });
      }
    };
    if (single) {
      for await (const s of sources) joinRow(single, s);
      leftovers(single);
      single = undefined;
    } else {
      const srcWriters = Array.from({ length: buckets }, (_, i) => new Writer(path.join(tmpDir, `s${i}.jsonl`)));
      for await (const s of sources) srcWriters[s.batchName ? bucketOf(s.batchName, buckets) : 0]!.write(JSON.stringify(s) + '\n');
      for (const w of srcWriters) w.close();
      for (let b = 0; b < buckets; b++) {
        const map = new Map<string, Indexed>();
        for await (const [key, value, error] of readLines<[string, unknown, string | null]>(path.join(tmpDir, `p${b}.jsonl`))) {
          addPrediction(map, key, value, error ?? undefined);
        }
        for await (const s of readLines<SourceRow>(path.join(tmpDir, `s${b}.jsonl`))) joinRow(map, s);
        leftovers(map);
      }
    }
    jsonl.close(true);
    csv.close(true);
    fs.renameSync(path.join(outDir, `${RESULTS_JSONL}.partial`), path.join(outDir, RESULTS_JSONL));
    fs.renameSync(path.join(outDir, `${RESULTS_CSV}.partial`), path.join(outDir, RESULTS_CSV));
    fsyncDir(outDir);
    writeJsonAtomic(path.join(outDir, RESULTS_META), summary);
    return summary;
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** A join's working folder: `.join-<pid>-<random>` (before, `.join-<random>`). */
const JOIN_TMP_PREFIX = '.join-';

/**
 * A join killed midway leaves its working folder (bucket copies of every prediction) in the
 * operator's output folder; the next join of that folder removes it, unless the process that made
 * it still runs (another item, or another data folder, joining into the same output folder).
 */
function removeStaleJoinFolders(outDir: string): void {
  for (const e of fs.readdirSync(outDir, { withFileTypes: true })) {
    if (!e.isDirectory() || !e.name.startsWith(JOIN_TMP_PREFIX)) continue;
    const owner = /^\.join-(\d+)-/.exec(e.name)?.[1];
    if (owner === undefined || !isProcessRunning(Number(owner))) fs.rmSync(path.join(outDir, e.name), { recursive: true, force: true });
  }
}

/** Indexes one prediction by its full key and (for lookups by bare name) its base name. */
function addPrediction(map: Map<string, Indexed>, key: string, value: unknown, error?: string): void {
  const prev = map.get(key);
  if (prev) {
    // Several rows for one file (e.g. video frames): keep them all, in order, pushed in place (a
    // copy per row would be quadratic in the frames of a long video).
    if (prev.multi) (prev.value as unknown[]).push(value);
    else prev.value = [prev.value, value];
    prev.multi = true;
    if (error) prev.error = error;
    return;
  }
  const entry: Indexed = { value, error, used: false };
  map.set(key, entry);
  const base = path.posix.basename(key);
  if (base !== key && !map.has(base)) map.set(base, entry);
}
