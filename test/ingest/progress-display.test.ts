// What the terminal shows: a bar with files, bytes, speed, ETA and rejections on a TTY (redrawn in
// place), throttled plain lines when piped, and one JSON record per event with --json.
import { describe, expect, it } from 'vitest';
import { emptyProgress, type ItemProgress, type ItemSummary } from '../../shared/domain';
import { createProgressDisplay, progressLine } from '../../main/cli/progress-display';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const out = { isTTY, columns: 200, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WriteStream;
  return { out, text: () => chunks.join('') };
}

const progress = (): ItemProgress => ({
  ...emptyProgress(),
  files: { done: 500, total: 2000 },
  bytes: { done: 50 * 1024 * 1024, total: 200 * 1024 * 1024 },
  throughput: 10 * 1024 * 1024,
  etaSeconds: 15,
  rejected: 3,
});

describe('progress display', () => {
  it('draws a bar with the numbers an operator watches', () => {
    const line = progressLine('cams', 'upload', progress());
    expect(line).toMatch(/^cams upload\s+\[#{6}-{18}\]\s+25% /);
    expect(line).toMatch(/files 500\/2,000/);
    expect(line).toMatch(/ETA/);
    expect(line).toMatch(/3 rejected/);
    expect(progressLine('cams', 'indexing', { ...progress(), indexed: { done: 1000, total: 2000 } })).toMatch(/50% indexed 1,000\/2,000/);
  });

  it('shows the export’s speed and time left, as the upload’s', () => {
    const exporting = { ...progress(), exportFiles: { done: 12, total: 48 }, exportBytes: { done: 48 * 1024 * 1024, total: 192 * 1024 * 1024 }, throughput: 20_000_000, etaSeconds: 7 };
    const line = progressLine('cams', 'export', exporting);
    expect(line).toMatch(/files 12\/48/);
    expect(line).toMatch(/20\.0 MB\/s · ETA 7s/);
  });

  it('says when transfers are waiting to be retried, and why', () => {
    const retrying = { count: 2, reason: 'storage answered 503', nextAttemptAt: new Date().toISOString() };
    expect(progressLine('cams', 'upload', { ...progress(), retrying })).toMatch(/retrying 2 \(storage answered 503\)/);
    expect(progressLine('cams', 'upload', progress())).not.toMatch(/retrying/);
  });

  it('redraws in place on a TTY and prints JSON lines with --json', () => {
    const tty = sink(true);
    const d = createProgressDisplay(tty.out, { json: false });
    d.item({ id: 'i1', name: 'cams', stage: 'upload', state: 'running' } as ItemSummary);
    d.progress({ id: 'i1', stage: 'upload', progress: progress() });
    d.progress({ id: 'i1', stage: 'upload', progress: progress() });
    d.note('done');
    expect(tty.text().split('\r\x1b[2K').length).toBeGreaterThanOrEqual(3);
    expect(tty.text()).toMatch(/\r\x1b\[2Kdone\n$/); // the bar is cleared, the note printed, the bar redrawn later

    const json = sink(false);
    const j = createProgressDisplay(json.out, { json: true });
    j.progress({ id: 'i1', stage: 'upload', progress: progress() });
    j.note('finished', { rejected: 3 });
    const lines = json.text().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: 'progress', id: 'i1', stage: 'upload', progress: { files: { done: 500 } } });
    expect(lines[1]).toEqual({ type: 'note', message: 'finished', rejected: 3 });
  });

  it('prints at most one plain line per interval when piped', () => {
    const plain = sink(false);
    const d = createProgressDisplay(plain.out, { json: false, plainIntervalMs: 60_000 });
    for (let i = 0; i < 50; i++) d.progress({ id: 'i1', stage: 'upload', progress: progress() });
    expect(plain.text().trim().split('\n')).toHaveLength(1);
    d.close();
  });

  it('piped, the newest line of a burst still comes once the interval is up (a retry before a quiet spell is seen)', async () => {
    const plain = sink(false);
    const d = createProgressDisplay(plain.out, { json: false, plainIntervalMs: 100 });
    d.progress({ id: 'i1', stage: 'upload', progress: progress() });
    const waiting = { ...progress(), retrying: { count: 1, reason: 'checking whether shard 0 arrived', nextAttemptAt: new Date().toISOString(), checkingArrival: true } };
    d.progress({ id: 'i1', stage: 'upload', progress: waiting });
    expect(plain.text().trim().split('\n')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    const lines = plain.text().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/checking whether shard 0 arrived$/);
    d.close();
  });
});
