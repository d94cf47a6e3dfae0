// Under storage faults (20% of PUTs reset midway, 10% 503s, 429s with Retry-After on the URL
// requests, signed URLs that expire before they are used), a 2,000-file ingest still ends with
// every file in the batch exactly once, as the emulator's inspection surface counts them.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import { IngestState } from '../../main/engine/ingest/ingest-journal';
import type { RetryingState } from '../../shared/domain';
import { createEngine, expectExactlyOnce, makeTree, planEntries, runItem, startEmu, tmpDir } from './helpers';

const dirs: string[] = [];
let emu: Emulator | undefined;
afterAll(async () => {
  await emu?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('ingest under faults', () => {
  it('ends with every file in the batch exactly once', async () => {
    emu = await startEmu({
      seed: 7,
      // URLs live 1 s; a 1.5 s delay before some PUTs are handled makes those URLs expire mid-run.
      signedUrlTtlSeconds: 1,
      rules: [
        { route: 'storage-put', rate: 0.2, kind: 'reset-request', afterBytes: 20_000 },
        { route: 'storage-put', rate: 0.1, kind: 'status', status: 503 },
        { route: 'storage-put', rate: 0.1, kind: 'latency', ms: 1500 },
        { route: 'bulk-upload-url', rate: 0.1, kind: 'status', status: 429, retryAfterSeconds: 1 },
      ],
    });
    const src = tmpDir('faults-src');
    const data = tmpDir('faults-data');
    dirs.push(src, data);
    makeTree(src, 2000, { bytes: 900 });
    const engine = createEngine(emu, data, {}, { shardFiles: 40 });
    const retryingShown: RetryingState[] = [];
    engine.on('progress', (e) => e.progress.retrying && retryingShown.push(e.progress.retrying));
    const summary = await runItem(engine, { roots: [src], batchId: 'faulty-batch' });
    await engine.close();
    expect(summary.error).toBeUndefined();
    expect(summary.state).toBe('done');

    const names = (await planEntries(engine.itemDir(summary.id))).map((e) => e.batchName);
    expect(names).toHaveLength(2000);
    expect(await expectExactlyOnce(emu, 'faulty-batch', names)).toEqual({ missing: [], duplicated: [], unexpected: [] });

    // The faults really happened: resets, 503s, expired URLs (403) and 429s.
    const uploads = emu.inspect.uploads();
    expect(uploads.filter((u) => u.faulted === 'reset-request').length).toBeGreaterThan(3);
    expect(uploads.filter((u) => u.faulted === 'status').length).toBeGreaterThan(1);
    expect(uploads.filter((u) => u.status === 403).length).toBeGreaterThan(0);
    expect(emu.inspect.requests()['bulk-upload-url']!.faulted).toBeGreaterThan(0);
    // Retries are journaled per piece.
    const state = IngestState.load(engine.itemDir(summary.id));
    expect([...state.pieces.values()].some((p) => p.attempts > 1)).toBe(true);
    expect(summary.progress.indexed).toEqual({ done: 2000, total: 2000 });

    // The operator saw the retries while they waited (how many, why, when next), and none is left.
    expect(retryingShown.length).toBeGreaterThan(0);
    expect(retryingShown.some((r) => /503/.test(r.reason))).toBe(true);
    // Storage errors are XML; the operator reads their code and message, not markup.
    expect(retryingShown.filter((r) => r.reason.includes('<'))).toEqual([]);
    for (const r of retryingShown) {
      expect(r.count).toBeGreaterThan(0);
      expect(Number.isNaN(Date.parse(r.nextAttemptAt))).toBe(false);
    }
    expect(summary.progress.retrying).toBeUndefined();
  });
});
