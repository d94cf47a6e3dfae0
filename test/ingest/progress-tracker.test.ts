// The upload's last progress leaves no time-left figure behind: indexing and processing that follow
// have nothing to estimate, and a stale 0 would read "0s" in every view of the item.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ItemProgress } from '../../shared/domain';
import { ProgressTracker } from '../../main/engine/ingest/progress-tracker';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('progress tracker', () => {
  it('ends the upload with no throughput and no time left', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-tracker-'));
    dirs.push(dir);
    let last: Partial<ItemProgress> = {};
    const tracker = new ProgressTracker(dir, (p) => (last = { ...last, ...p }));
    tracker.filesTotal = 2;
    tracker.bytesTotal = 100;
    tracker.start('s1', 120, 100);
    tracker.bytes('s1', 120);
    tracker.done('s1', 2, 100);
    tracker.finish();
    expect(last).toMatchObject({ files: { done: 2, total: 2 }, bytes: { done: 100, total: 100 }, throughput: 0, etaSeconds: null });
  });
});
