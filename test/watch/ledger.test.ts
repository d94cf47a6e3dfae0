// The watch journal's replay and compaction: a compacted journal rebuilds exactly the same state
// (what was sent, the open batch, a batch closed without its item, the counter), so compaction can
// never make a file be sent twice or a batch id be reused.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger, openLedger, type LedgerRecord } from '../../main/engine/watch/ledger';
import { compactLiveJournal, journalOutgrown } from '../../main/engine/watch/ledger-compaction';
import { tempDir } from './fake-engine';

function state(l: Ledger) {
  return {
    taken: [...l.taken.entries()].sort(),
    open: [...l.open.entries()],
    openFirstAt: l.open.size ? l.openFirstAt : 0,
    unmatched: [...l.unmatched.values()],
    seen: [...l.seen.entries()].sort(),
    seq: l.seq,
    batchesCreated: l.batchesCreated,
    lastItemId: l.lastItemId,
    changed: l.changedAfterSend,
  };
}

describe('watch ledger', () => {
  it('compacts a long journal into one that replays to the same state', async () => {
    const file = path.join(tempDir('ledger'), 'journal.jsonl');
    const records: LedgerRecord[] = [];
    let seq = 0;
    // 40 batches of 100 files, each file seen, stable, closed, itemized.
    for (let b = 0; b < 40; b++) {
      for (let i = 0; i < 100; i++) {
        const p = `/in/b${b}/f${i}.jpg`;
        records.push({ k: 'seen', p, s: -1, m: -1 }, { k: 'stable', p, s: 100 + i, m: 1_700_000_000_000.5 + i, t: 1000 + b });
      }
      seq++;
      records.push({ k: 'close', b: `w-20260101-000000-${seq}`, seq, t: 2000 + b }, { k: 'item', b: `w-20260101-000000-${seq}`, item: `item-${seq}` });
    }
    records.push({ k: 'changed', p: '/in/b0/f0.jpg', s: 999, m: 5 });
    // A batch closed before a crash, item not yet created.
    records.push({ k: 'stable', p: '/in/late/a.jpg', s: 1, m: 1, t: 3000 }, { k: 'stable', p: '/in/late/b.jpg', s: 2, m: 2, t: 3001 });
    records.push({ k: 'close', b: 'w-20260101-000000-41', seq: 41, t: 3002 });
    // The open batch, with a file dropped from it, and files still being written.
    records.push({ k: 'stable', p: '/in/open/x.jpg', s: 3, m: 3, t: 4000 }, { k: 'stable', p: '/in/open/y.jpg', s: 4, m: 4, t: 4005 });
    records.push({ k: 'stable', p: '/in/open/gone.jpg', s: 4, m: 4, t: 4006 }, { k: 'drop', p: '/in/open/gone.jpg' });
    records.push({ k: 'seen', p: '/in/writing/w.jpg', s: 10, m: 10 });
    fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');

    const reference = new Ledger();
    for (const r of records) reference.apply(r);
    const before = fs.statSync(file).size;

    const { ledger, journal } = await openLedger(file);
    journal.close();
    expect(fs.statSync(file).size).toBeLessThan(before * 0.6); // it was compacted
    expect(state(ledger)).toEqual(state(reference));
    expect(state(ledger).unmatched).toEqual([{ batchId: 'w-20260101-000000-41', seq: 41, files: ['/in/late/a.jpg', '/in/late/b.jpg'] }]);
    expect(ledger.taken.get('/in/b0/f0.jpg')).toBe('999:5');
    expect(ledger.seq).toBe(41);
    expect(ledger.openFirstAt).toBe(4000);

    // Opening the compacted journal again changes nothing.
    const again = await openLedger(file);
    again.journal.close();
    expect(state(again.ledger)).toEqual(state(reference));
  });

  it('a torn last line (kill -9 mid-write) is dropped: its action never happened', async () => {
    const file = path.join(tempDir('ledger'), 'journal.jsonl');
    fs.writeFileSync(file, JSON.stringify({ k: 'stable', p: '/a.jpg', s: 1, m: 1, t: 1 }) + '\n{"k":"close","b":"x-1');
    const { ledger, journal } = await openLedger(file);
    journal.append({ k: 'stable', p: '/b.jpg', s: 2, m: 2, t: 2 });
    journal.close();
    expect([...ledger.open.keys()]).toEqual(['/a.jpg']);
    expect(ledger.unmatched.size).toBe(0);
    const reopened = await openLedger(file);
    reopened.journal.close();
    expect([...reopened.ledger.open.keys()]).toEqual(['/a.jpg', '/b.jpg']);
  });

  it('compacted while running, it goes on in the new file, and a restart replays to the same state', async () => {
    const file = path.join(tempDir('ledger'), 'journal.jsonl');
    let { ledger, journal } = await openLedger(file);
    const commit = (records: LedgerRecord[]) => {
      journal.appendMany(records);
      for (const r of records) ledger.apply(r);
    };
    let compactions = 0;
    for (let seq = 1; seq <= 300; seq++) {
      const files = Array.from({ length: 20 }, (_, i) => ({ p: `/in/${seq}/${i}.jpg`, s: seq, m: i }));
      commit(files.map((f) => ({ k: 'seen', ...f })));
      commit(files.map((f) => ({ k: 'stable', ...f, t: seq })));
      commit([{ k: 'close', b: `b-${seq}`, seq, t: seq }]);
      commit([{ k: 'item', b: `b-${seq}`, item: `item-${seq}` }]);
      if (journalOutgrown(ledger)) {
        journal = compactLiveJournal(journal, ledger);
        compactions++;
        // The ledger counts what the new file holds: the next compaction waits for real growth.
        expect(ledger.records).toBe(lines(file));
        expect(journalOutgrown(ledger)).toBe(false);
      }
    }
    expect(compactions).toBeGreaterThanOrEqual(2);
    expect(lines(file)).toBeLessThanOrEqual(1.5 * (6000 + 1) + 1000);
    // A moment with work in flight: an open batch, a batch closed without its item, a changed file.
    commit([{ k: 'stable', p: '/in/late/a.jpg', s: 1, m: 1, t: 500 }, { k: 'close', b: 'b-301', seq: 301, t: 501 }]);
    commit([{ k: 'stable', p: '/in/open/x.jpg', s: 2, m: 2, t: 600 }, { k: 'stable', p: '/in/open/y.jpg', s: 3, m: 3, t: 601 }]);
    commit([{ k: 'changed', p: '/in/1/0.jpg', s: 9, m: 9 }]);
    journal = compactLiveJournal(journal, ledger);
    expect(ledger.records).toBe(lines(file));
    // Appends after the compaction land in the journal a restart reads.
    commit([{ k: 'item', b: 'b-301', item: 'item-301' }, { k: 'stable', p: '/in/open/z.jpg', s: 4, m: 4, t: 602 }]);
    journal.close();

    const restarted = await openLedger(file);
    restarted.journal.close();
    expect(state(restarted.ledger)).toEqual(state(ledger));
    expect(restarted.ledger.taken.size).toBe(6001);
    expect([...restarted.ledger.open.keys()]).toEqual(['/in/open/x.jpg', '/in/open/y.jpg', '/in/open/z.jpg']);
    expect(restarted.ledger.seq).toBe(301);
    expect(restarted.ledger.batchesCreated).toBe(301);
  });

  it('a compaction killed before its rename leaves the journal whole; its temp file is removed at start', async () => {
    const dir = tempDir('ledger');
    const file = path.join(dir, 'journal.jsonl');
    const records: LedgerRecord[] = [
      { k: 'stable', p: '/a.jpg', s: 1, m: 1, t: 1 },
      { k: 'close', b: 'b-1', seq: 1, t: 2 },
      { k: 'item', b: 'b-1', item: 'item-1' },
      { k: 'stable', p: '/b.jpg', s: 2, m: 2, t: 3 },
    ];
    fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    // What a kill mid-snapshot leaves: a temp file holding the first part of the new journal.
    const leftover = path.join(dir, `.journal.jsonl.4242.${Date.now()}.tmp`);
    fs.writeFileSync(leftover, JSON.stringify({ k: 'base', seq: 1, batches: 1, changed: 0 }) + '\n{"k":"taken","p":"/a.j');
    const other = path.join(dir, '.watch.json.4242.1.tmp'); // another file's temp is not the journal's to remove
    fs.writeFileSync(other, '{}');

    const { ledger, journal } = await openLedger(file);
    journal.close();
    const reference = new Ledger();
    for (const r of records) reference.apply(r);
    expect(state(ledger)).toEqual(state(reference));
    expect(fs.existsSync(leftover)).toBe(false);
    expect(fs.existsSync(other)).toBe(true);
  });
});

function lines(file: string): number {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
}
