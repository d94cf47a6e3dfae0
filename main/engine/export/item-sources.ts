// The source side of the results join for an item: every file of the plan in plan order (with the
// reason when it was left out at send time or refused by the service), then the files rejected while
// scanning. Rejections are few and held in a Map by plan index; the plan itself is streamed.

import path from 'node:path';
import { replayRecords } from '../journal';
import { INGEST_JOURNAL, type IngestRecord } from '../ingest/ingest-journal';
import { readPlanEntries, readScanRejections } from '../ingest/plan';
import type { SourceRow } from './results-join';

export async function* itemSourceRows(itemDir: string): AsyncIterable<SourceRow> {
  const refused = new Map<number, { reason: string; message: string }>();
  for await (const r of replayRecords<IngestRecord>(path.join(itemDir, INGEST_JOURNAL))) {
    if (r.t === 'excluded') for (const f of r.files) refused.set(f.index, { reason: f.reason, message: f.message });
    else if (r.t === 'service-rejected') refused.set(r.index, { reason: 'rejected-by-service', message: `${r.type}: ${r.reason}` });
  }
  for await (const e of readPlanEntries(itemDir)) {
    const rejected = refused.get(e.index);
    yield { sourcePath: e.sourcePath, batchName: e.batchName, ...(rejected ? { rejected } : {}) };
  }
  for await (const r of readScanRejections(itemDir)) {
    if (r.reason === 'renamed-collision') continue;
    yield { sourcePath: r.sourcePath, batchName: null, rejected: { reason: r.reason, message: r.message } };
  }
}

/** No plan (a job on an existing batch): the predictions alone make the rows. */
export async function* noSources(): AsyncIterable<SourceRow> {}
