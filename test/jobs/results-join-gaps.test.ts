// What the join makes of predictions that say less than they should: a CSV row with no prediction,
// an error given as an object, rows it cannot read (counted), and the many rows of a long video.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { joinResults, type ResultRow, type SourceRow } from '../../main/engine/export/results-join';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function* rows(list: SourceRow[]): AsyncIterable<SourceRow> {
  yield* list;
}

/** An output folder whose export holds these prediction files. */
function exportOf(files: Record<string, string>): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-gaps-'));
  dirs.push(out);
  const preds = path.join(out, 'export', 'job-x', 'predictions');
  fs.mkdirSync(preds, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(preds, name), text);
  return out;
}

function readRows(out: string): ResultRow[] {
  return fs.readFileSync(path.join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ResultRow);
}

const src = (...names: string[]): SourceRow[] => names.map((n) => ({ sourcePath: `/src/${n}`, batchName: n }));

describe.each([
  ['one bucket', undefined],
  ['many buckets', 16],
])('results join of rows without a prediction, %s', (_label, bucketBytes) => {
  it('a CSV row with an empty prediction, or a JSON line whose error is an object, is failed, not ok', async () => {
    const out = exportOf({
      // The service's CSV aggregation: a file the Workflow failed on is `name,`.
      'predictions-1.csv': 'file_name,predictions\r\na.png,"{""predictions"":[]}"\r\nb.png,\r\n',
      'predictions-2.jsonl': [
        JSON.stringify({ file_name: 'c.png', predictions: null, error: { type: 'WorkflowError', message: 'model timed out' } }),
        JSON.stringify({ file_name: 'd.png', predictions: null, error: { code: 7 } }),
        JSON.stringify({ file_name: 'e.png', predictions: null }),
      ].join('\n'),
    });
    const summary = await joinResults(out, [path.join(out, 'export')], rows(src('a.png', 'b.png', 'c.png', 'd.png', 'e.png')), bucketBytes);
    const bySource = new Map(readRows(out).map((r) => [r.batchName, r]));
    expect(bySource.get('a.png')).toMatchObject({ status: 'ok', prediction: { predictions: [] } });
    expect(bySource.get('b.png')).toEqual({ sourcePath: '/src/b.png', batchName: 'b.png', status: 'failed', reason: 'no prediction returned' });
    expect(bySource.get('c.png')).toMatchObject({ status: 'failed', reason: 'model timed out' });
    expect(bySource.get('d.png')).toMatchObject({ status: 'failed', reason: '{"code":7}' });
    expect(bySource.get('e.png')).toMatchObject({ status: 'failed', reason: 'no prediction returned' });
    expect(summary).toMatchObject({ ok: 1, failed: 4, missing: 0 });
  });

  it('counts the prediction rows it cannot read, and reads a pretty-printed single-row .json', async () => {
    const out = exportOf({
      'predictions-1.jsonl': [
        JSON.stringify({ file_name: 'a.png', predictions: { n: 1 } }),
        '{"file_name":"b.png","predictions":', // cut short
        JSON.stringify({ picture: 'c.png', predictions: { n: 3 } }), // a name column it does not know
        '[1,2]',
      ].join('\n'),
      'predictions-2.csv': 'picture,predictions\r\nd.png,"{}"\r\n',
      'e.json': JSON.stringify({ file_name: 'e.png', predictions: { n: 5 } }, null, 2),
    });
    const summary = await joinResults(out, [path.join(out, 'export')], rows(src('a.png', 'b.png', 'c.png', 'd.png', 'e.png')), bucketBytes);
    const bySource = new Map(readRows(out).map((r) => [r.batchName, r]));
    expect(bySource.get('e.png')).toMatchObject({ status: 'ok', prediction: { n: 5 } });
    expect(['b.png', 'c.png', 'd.png'].map((n) => bySource.get(n)?.status)).toEqual(['missing', 'missing', 'missing']);
    expect(summary).toMatchObject({ ok: 2, missing: 3, unreadable: 4 });
    expect(JSON.parse(fs.readFileSync(path.join(out, '.results-meta.json'), 'utf8'))).toMatchObject({ unreadable: 4 });
  });
});

describe('results join of a long video', () => {
  it('keeps every frame of one file, in order', async () => {
    // Half an hour at 60 fps. A copy of the array per row took minutes here; in place, under a second.
    const frames = 100_000;
    let text = '';
    for (let i = 0; i < frames; i++) text += `{"file_name":"clip.mp4","predictions":{"frame":${i}}}\n`;
    const out = exportOf({ 'predictions-1.jsonl': text });
    const summary = await joinResults(out, [path.join(out, 'export')], rows(src('clip.mp4')));
    expect(summary).toMatchObject({ rows: 1, ok: 1, unreadable: 0 });
    const [row] = readRows(out);
    const merged = row!.prediction as { frame: number }[];
    expect(merged).toHaveLength(frames);
    expect(merged.every((p, i) => p.frame === i)).toBe(true);
  }, 15_000);
});
