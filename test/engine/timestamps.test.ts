// Datetime fields read as ISO strings whatever form the service used: the official client's parser
// also takes Unix epoch numbers (roboflow-api.md 1.6), and Date.parse cannot read "1740830400".

import { describe, expect, it } from 'vitest';
import { optionalTimestamp } from '../../main/engine/roboflow/parse';
import { ProcessingApi } from '../../main/engine/roboflow/processing';
import { StagingApi } from '../../main/engine/roboflow/staging';
import type { RoboflowHttp } from '../../main/engine/roboflow/http';

const NOON = '2025-03-01T12:00:00.000Z'; // 1740830400 s

describe('optionalTimestamp', () => {
  it('turns epoch seconds (number or numeric text) into ISO 8601', () => {
    expect(optionalTimestamp(1740830400)).toBe(NOON);
    expect(optionalTimestamp(1740830400.5)).toBe('2025-03-01T12:00:00.500Z');
    expect(optionalTimestamp('1740830400')).toBe(NOON);
    expect(optionalTimestamp(0)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('reads numbers beyond 2e10 as milliseconds, as pydantic does', () => {
    expect(optionalTimestamp(1740830400000)).toBe(NOON);
  });

  it('keeps ISO strings as sent and drops what is no time at all', () => {
    expect(optionalTimestamp('2025-03-01T12:00:00Z')).toBe('2025-03-01T12:00:00Z');
    expect(optionalTimestamp(undefined)).toBeUndefined();
    expect(optionalTimestamp(null)).toBeUndefined();
    expect(optionalTimestamp(Number.NaN)).toBeUndefined();
    expect(optionalTimestamp(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(optionalTimestamp(1e300)).toBeUndefined(); // beyond any Date
    expect(optionalTimestamp({})).toBeUndefined();
  });
});

/** An HTTP layer answering every call with `body`. */
const answering = (body: unknown) => ({ json: async () => body, jsonWithStatus: async () => ({ status: 200, body }) }) as unknown as RoboflowHttp;

describe('every datetime field parsed', () => {
  it('of jobs, stages, tasks and logs', async () => {
    const job = await new ProcessingApi(answering({ job: { jobId: 'j', createdAt: 1740830400, lastUpdate: '1740830400' } }), 'ws').getJob('j');
    expect([job.createdAt, job.lastUpdate]).toEqual([NOON, NOON]);
    const [stage] = await new ProcessingApi(answering({ stages: [{ processingStageId: 's', startTimestamp: 1740830400, lastEventTimestamp: 1740830400 }] }), 'ws').stages('j');
    expect([stage!.startTimestamp, stage!.lastEventTimestamp]).toEqual([NOON, NOON]);
    const [task] = await new ProcessingApi(answering({ tasks: [{ taskId: 't', eventTimestamp: 1740830400 }], nextPageToken: null }), 'ws').tasks('j', 's');
    expect(task!.eventTimestamp).toBe(NOON);
    const [log] = await new ProcessingApi(answering({ logs: [{ createdAt: 1740830400, severity: 'info' }] }), 'ws').logs('j');
    expect(log!.createdAt).toBe(NOON);
  });

  it('of batches and shards', async () => {
    const batch = await new StagingApi(answering({ batch: { batchId: 'b', createdDate: 1740830400, expiryDate: 1741435200 } }), 'ws').getBatch('b');
    expect([batch.createdDate, batch.expiryDate]).toEqual([NOON, '2025-03-08T12:00:00.000Z']);
    const { items } = await new StagingApi(answering({ shards: [{ shardId: 's', eventTimestamp: 1740830400 }] }), 'ws').listShards('b');
    expect(items[0]!.eventTimestamp).toBe(NOON);
  });
});
