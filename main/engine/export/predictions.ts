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

export function toPredictionRow(row: Record<string, unknown>): PredictionRow | null {
  const name = nameOf(row);
  if (!name) return null;
  const error = typeof row.error === 'string' && row.error ? row.error : undefined;
  let prediction: unknown;
  if ('predictions' in row) prediction = row.predictions;
  else {
    const rest = { ...row };
    delete rest[name.field];
    prediction = rest;
  }
  return { key: name.key, prediction: prediction ?? null, error };
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

export async function* readPredictionFile(file: string): AsyncIterable<PredictionRow> {
  if (/\.csv$/i.test(file)) {
    let header: string[] | null = null;
    for await (const cells of parseCsv(fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }))) {
      if (!header) {
        header = cells.map((c) => c.replace(/^\uFEFF/, '').trim());
        continue;
      }
      const row: Record<string, unknown> = {};
      header.forEach((h, i) => (row[h] = maybeJson(cells[i] ?? '')));
      const r = toPredictionRow(row);
      if (r) yield r;
    }
    return;
  }
  if (/\.json$/i.test(file) && fs.statSync(file).size < 256 * 1024 * 1024) {
    // A plain JSON file may hold one array of rows rather than JSON lines.
    const text = fs.readFileSync(file, 'utf8');
    const trimmed = text.trimStart();
    if (trimmed.startsWith('[')) {
      try {
        for (const row of JSON.parse(trimmed) as unknown[]) {
          if (row && typeof row === 'object') {
            const r = toPredictionRow(row as Record<string, unknown>);
            if (r) yield r;
          }
        }
        return;
      } catch {
        // fall through to JSON lines
      }
    }
  }
  const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      continue;
    }
    if (row && typeof row === 'object' && !Array.isArray(row)) {
      const r = toPredictionRow(row as Record<string, unknown>);
      if (r) yield r;
    }
  }
}
