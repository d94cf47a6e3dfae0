// Reads the job's prediction files tolerantly: JSON lines or CSV, whatever the file-name column is
// called (`file_name`, `image`, `fileName`, `input_name`…). Each row becomes { key, prediction } where
// key is the file's name in the batch.

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parseCsv } from './csv';

export const NAME_FIELDS = [
  'file_name',
  'fileName',
  'filename',
  'image',
  'image_name',
  'imageName',
  'input_name',
  'inputName',
  'source',
  'name',
  'file',
  'path',
] as const;

export interface PredictionRow {
  key: string;
  /** The prediction itself (the row's `predictions` field when there is one, else the row without its name). */
  prediction: unknown;
  /** Set when the service reports the file failed. */
  error?: string;
}

const PREDICTION_EXT = /\.(jsonl|ndjson|json|csv)$/i;

export function isPredictionFile(name: string): boolean {
  return PREDICTION_EXT.test(name) && !name.startsWith('.');
}

/** Every prediction file under `dir` (recursively), sorted for a stable order. */
export function findPredictionFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && isPredictionFile(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function nameOf(row: Record<string, unknown>): { key: string; field: string } | null {
  for (const f of NAME_FIELDS) {
    const v = row[f];
    if (typeof v === 'string' && v.length > 0) return { key: v, field: f };
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      // e.g. {"image": {"name": "a.jpg", ...}}
      const inner = (v as Record<string, unknown>).name ?? (v as Record<string, unknown>).file_name;
      if (typeof inner === 'string' && inner.length > 0) return { key: inner, field: f };
    }
  }
  return null;
}

/** The service's error as text: a string, or an object such as {"message": …, "type": …}. */
function errorText(e: unknown): string | undefined {
  if (typeof e === 'string') return e || undefined;
  if (!e || typeof e !== 'object') return undefined;
  const message = (e as Record<string, unknown>).message;
  return typeof message === 'string' && message ? message : JSON.stringify(e);
}

export function toPredictionRow(row: Record<string, unknown>): PredictionRow | null {
  const name = nameOf(row);
  if (!name) return null;
  const error = errorText(row.error);
  let prediction: unknown;
  if ('predictions' in row) prediction = row.predictions;
  else {
    const rest = { ...row };
    delete rest[name.field];
    prediction = rest;
  }
  return { key: name.key, prediction: prediction === '' ? null : (prediction ?? null), error };
}

function maybeJson(v: string): unknown {
  const t = v.trim();
  if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
    try {
      return JSON.parse(t);
    } catch {
      return v;
    }
  }
  return v === '' ? null : v;
}

/** `onUnreadable` is called for each row left out (not JSON, or no file name recognised), so it can be counted. */
export async function* readPredictionFile(file: string, onUnreadable: () => void = () => undefined): AsyncIterable<PredictionRow> {
  const rowOf = (row: unknown): PredictionRow | null => {
    const r = row && typeof row === 'object' && !Array.isArray(row) ? toPredictionRow(row as Record<string, unknown>) : null;
    if (!r) onUnreadable();
    return r;
  };
  if (/\.csv$/i.test(file)) {
    let header: string[] | null = null;
    for await (const cells of parseCsv(fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }))) {
      if (!header) {
        header = cells.map((c) => c.replace(/^\uFEFF/, '').trim());
        continue;
      }
      const row: Record<string, unknown> = {};
      header.forEach((h, i) => (row[h] = maybeJson(cells[i] ?? '')));
      const r = rowOf(row);
      if (r) yield r;
    }
    return;
  }
  if (/\.json$/i.test(file) && fs.statSync(file).size < 256 * 1024 * 1024) {
    // A plain JSON file may hold one array of rows, or one (pretty-printed) row, rather than JSON lines.
    let whole: unknown;
    try {
      whole = JSON.parse(fs.readFileSync(file, 'utf8').trimStart()); // trimStart: a BOM
    } catch {
      // JSON lines then
    }
    if (whole && typeof whole === 'object') {
      for (const row of Array.isArray(whole) ? whole : [whole]) {
        const r = rowOf(row);
        if (r) yield r;
      }
      return;
    }
  }
  const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      onUnreadable();
      continue;
    }
    const r = rowOf(row);
    if (r) yield r;
  }
}
