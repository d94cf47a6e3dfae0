import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { joinResults, type ResultRow, type SourceRow } from '../../main/engine/export/results-join';
import { readResultsPreview } from '../../main/engine/export/results-preview';
import { parseCsv } from '../../main/engine/export/csv';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function* rows(list: SourceRow[]): AsyncIterable<SourceRow> {
  yield* list;
}

function setup(): { out: string; preds: string } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-join-'));
  dirs.push(out);
  const preds = path.join(out, 'export', 'job-x', 'export', 'predictions');
  fs.mkdirSync(preds, { recursive: true });
  // The emulator's JSONL shape, a CSV with a quoted JSON column, and another service's key name.
  fs.writeFileSync(
    path.join(preds, 'predictions-1.jsonl'),
    '{"file_name":"a.png","predictions":{"predictions":[{"class":"cat"}]}}\n{"file_name":"b.png","predictions":null,"error":"Workflow execution failed"}\n',
  );
  fs.writeFileSync(path.join(preds, 'predictions-2.csv'), 'file_name,predictions\r\nc.png,"{""predictions"":[{""class"":""dog, big""}]}"\r\n');
  fs.writeFileSync(path.join(preds, 'other.jsonl'), '{"input_name":"d.png","count":3}\n{"image":"stray.png","count":1}\n');
  return { out, preds };
}

const sources: SourceRow[] = [
  { sourcePath: '/src/x/a.png', batchName: 'a.png' },
  { sourcePath: '/src/x/b.png', batchName: 'b.png' },
  { sourcePath: '/src/y/c.png', batchName: 'c.png' },
  { sourcePath: '/src/y/d.png', batchName: 'd.png' },
  { sourcePath: '/src/y/e.png', batchName: 'e.png' },
  { sourcePath: '/src/y/big.png', batchName: null, rejected: { reason: 'too-large', message: 'Larger than 20 MiB.' } },
];

describe.each([
  ['one bucket (plan order)', undefined],
  ['many buckets (bounded memory)', 16],
])('results join, %s', (_label, bucketBytes) => {
  it('writes one row per source file with its prediction or the reason it has none', async () => {
    const { out } = setup();
    const summary = await joinResults(out, [path.join(out, 'export')], rows(sources), bucketBytes);
    const lines = fs.readFileSync(path.join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ResultRow);
    const bySource = new Map(lines.map((l) => [l.sourcePath ?? `stray:${l.batchName}`, l]));
    expect(bySource.get('/src/x/a.png')).toMatchObject({ status: 'ok', batchName: 'a.png', prediction: { predictions: [{ class: 'cat' }] } });
    expect(bySource.get('/src/x/b.png')).toMatchObject({ status: 'failed', reason: 'Workflow execution failed' });
    expect(bySource.get('/src/y/c.png')).toMatchObject({ status: 'ok', prediction: { predictions: [{ class: 'dog, big' }] } });
    expect(bySource.get('/src/y/d.png')).toMatchObject({ status: 'ok', prediction: { count: 3 } });
    expect(bySource.get('/src/y/e.png')).toMatchObject({ status: 'missing', reason: 'no prediction in the export' });
    expect(bySource.get('/src/y/big.png')).toMatchObject({ status: 'rejected', reason: 'too-large: Larger than 20 MiB.' });
    expect(bySource.get('stray:stray.png')).toMatchObject({ status: 'ok', prediction: { count: 1 } });
    expect(lines).toHaveLength(7);
    expect(summary).toMatchObject({ rows: 7, ok: 4, failed: 1, rejected: 1, missing: 1, unmatched: 1 });
    if (bucketBytes === undefined) expect(lines.slice(0, 6).map((l) => l.sourcePath)).toEqual(sources.map((s) => s.sourcePath));
    else expect(summary.buckets).toBeGreaterThan(1);

    const csvRows: string[][] = [];
    for await (const r of parseCsv(fs.createReadStream(path.join(out, 'results.csv'), 'utf8'))) csvRows.push(r);
    expect(csvRows[0]).toEqual(['source_path', 'batch_name', 'status', 'reason', 'prediction']);
    const c = csvRows.find((r) => r[0] === '/src/y/c.png')!;
    expect(JSON.parse(c[4]!)).toEqual({ predictions: [{ class: 'dog, big' }] });

    const preview = readResultsPreview(out, 2);
    expect(preview.columns[0]).toBe('source_path');
    expect(preview.rows).toHaveLength(2);
    expect(preview.totalRows).toBe(7);
  });
});

describe('results.csv in a spreadsheet', () => {
  // In watch mode a batch name is the dropped file's own name: whoever writes into the folder picks it.
  const names = ['=HYPERLINK("http://evil.example/?x","open").png', '-cam1.jpg', '+1.png', '@x.png', 'Überwachung/東京-café.png', 'plain.png'];

  it('starts with a BOM, neutralises formula-like cells, while results.jsonl and the preview keep the exact names', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-join-'));
    dirs.push(out);
    const preds = path.join(out, 'export', 'job-x', 'predictions');
    fs.mkdirSync(preds, { recursive: true });
    fs.writeFileSync(path.join(preds, 'predictions-1.jsonl'), names.map((n) => JSON.stringify({ file_name: n, predictions: { count: 1 } }) + '\n').join(''));
    await joinResults(out, [path.join(out, 'export')], rows(names.map((n) => ({ sourcePath: `/in/${n}`, batchName: n }))));

    const raw = fs.readFileSync(path.join(out, 'results.csv'));
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // Excel then reads UTF-8, not cp1252
    const csvRows: string[][] = [];
    for await (const r of parseCsv(fs.createReadStream(path.join(out, 'results.csv'), 'utf8'))) csvRows.push(r);
    expect(csvRows[0]).toEqual(['source_path', 'batch_name', 'status', 'reason', 'prediction']);
    expect(csvRows.slice(1).map((r) => r[1])).toEqual([
      `'=HYPERLINK("http://evil.example/?x","open").png`,
      "'-cam1.jpg",
      "'+1.png",
      "'@x.png",
      'Überwachung/東京-café.png',
      'plain.png',
    ]);
    expect(csvRows.slice(1).map((r) => r[0])).toEqual(names.map((n) => `/in/${n}`)); // absolute paths start with /

    const jsonl = fs.readFileSync(path.join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ResultRow);
    expect(jsonl.map((r) => r.batchName)).toEqual(names);

    const preview = readResultsPreview(out, 10);
    expect(preview.columns).toEqual(['source_path', 'batch_name', 'status', 'reason', 'prediction']);
    expect(preview.rows.map((r) => r[1])).toEqual(names);
    expect(preview.rows[0]).toEqual([`/in/${names[0]}`, names[0], 'ok', '', '{"count":1}']);
  });
});

describe('a join killed midway', () => {
  it('leaves no working folder behind once the next join of the output folder has run', async () => {
    const { out } = setup();
    // What a kill -9 during the join leaves: its working folder with bucket copies, and partial outputs.
    fs.mkdirSync(path.join(out, '.join-Ab12Cd', 'b0'), { recursive: true });
    fs.writeFileSync(path.join(out, '.join-Ab12Cd', 'b0', 'bucket.jsonl'), '{"file_name":"a.png"}\n');
    fs.writeFileSync(path.join(out, 'results.jsonl.partial'), '{"sourcePath":');
    await joinResults(out, [path.join(out, 'export')], rows(sources));
    expect(fs.readdirSync(out).sort()).toEqual(['.results-meta.json', 'export', 'results.csv', 'results.jsonl']);
  });

  it("leaves alone the working folder of a join still running elsewhere, and removes a dead process's", async () => {
    const { out } = setup();
    const dead = spawnSync('true').pid!;
    fs.mkdirSync(path.join(out, `.join-${dead}-Ab12Cd`));
    // Another process joining into the same output folder right now (another data folder, say).
    fs.mkdirSync(path.join(out, `.join-${process.ppid}-Zz98Yy`));
    await joinResults(out, [path.join(out, 'export')], rows(sources));
    expect(fs.readdirSync(out).filter((n) => n.startsWith('.join-'))).toEqual([`.join-${process.ppid}-Zz98Yy`]);
  });
});
