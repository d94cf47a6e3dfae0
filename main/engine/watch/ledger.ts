// The watch's durable memory: every file seen and where it went (seen → stable, in the open batch →
// in closed batch <id> → item <id>), as a journal replayed on start. The same `apply` runs live and
// on replay, so what the process did and what a restart believes can never differ.

import { Journal, replayRecords } from '../journal';
import { removeLeftoverTemps } from '../atomic-file';
import { journalOutgrown, writeLedgerSnapshot } from './ledger-compaction';

export type LedgerRecord =
  /** First sighting of a file (informational; a restart re-checks it). */
  | { k: 'seen'; p: string; s: number; m: number }
  /** Complete (size and mtime held still): it joins the open batch. */
  | { k: 'stable'; p: string; s: number; m: number; t: number }
  /** Left the open batch before it closed (the file vanished, or changed and waits to be complete again). */
  | { k: 'drop'; p: string }
  /** Intent: the open batch, as it is now, is batch `b`. Written before the item is created. */
  | { k: 'close'; b: string; seq: number; t: number }
  /** The item for batch `b` exists. */
  | { k: 'item'; b: string; item: string }
  /** A file already sent changed afterwards; reported, not re-sent. */
  | { k: 'changed'; p: string; s: number; m: number }
  /** Compaction snapshot: counters, then one `taken` per file already in a closed batch. */
  | { k: 'base'; seq: number; batches: number; lastItem?: string; changed: number }
  | { k: 'taken'; p: string; s: number; m: number };

export interface ClosedBatch {
  batchId: string;
  seq: number;
  files: string[];
}

export function signature(size: number, mtimeMs: number): string {
  return `${size}:${mtimeMs}`;
}

export class Ledger {
  /** Files in closed batches (item created or not), with the signature they were taken with. */
  readonly taken = new Map<string, string>();
  /** Files in the open batch, in arrival order. */
  readonly open = new Map<string, string>();
  openFirstAt = 0;
  openLastAt = 0;
  /** Closed batches whose item is not yet recorded (normally empty; after a crash, to be created). */
  readonly unmatched = new Map<string, ClosedBatch>();
  /** Seen but not yet stable, as of replay (the live process keeps these in its tracker). */
  readonly seen = new Map<string, string>();
  seq = 0;
  batchesCreated = 0;
  lastItemId: string | undefined;
  changedAfterSend = 0;
  records = 0;

  /** True while replaying; the live process keeps unstable files in its tracker instead. */
  trackSeen = true;

  apply(r: LedgerRecord): void {
    this.records++;
    switch (r.k) {
      case 'seen':
        if (this.trackSeen && !this.open.has(r.p)) this.seen.set(r.p, signature(r.s, r.m));
        break;
      case 'stable':
        this.seen.delete(r.p);
        this.taken.delete(r.p);
        if (this.open.size === 0) this.openFirstAt = r.t;
        this.openLastAt = r.t;
        this.open.set(r.p, signature(r.s, r.m));
        break;
      case 'drop':
        this.seen.delete(r.p);
        this.open.delete(r.p);
        break;
      case 'close': {
        const files = [...this.open.keys()];
        for (const [p, sig] of this.open) this.taken.set(p, sig);
        this.open.clear();
        this.seq = Math.max(this.seq, r.seq);
        if (files.length > 0) this.unmatched.set(r.b, { batchId: r.b, seq: r.seq, files });
        break;
      }
      case 'item':
        if (this.unmatched.delete(r.b)) this.batchesCreated++;
        this.lastItemId = r.item;
        break;
      case 'changed':
        this.seen.delete(r.p);
        this.taken.set(r.p, signature(r.s, r.m));
        this.changedAfterSend++;
        break;
      case 'base':
        this.seq = r.seq;
        this.batchesCreated = r.batches;
        this.lastItemId = r.lastItem;
        this.changedAfterSend = r.changed;
        break;
      case 'taken':
        this.taken.set(r.p, signature(r.s, r.m));
        break;
    }
  }

  /** The records that rebuild this state, smallest form (files in closed batches lose their batch). */
  *snapshot(): Generator<LedgerRecord> {
    yield { k: 'base', seq: this.seq, batches: this.batchesCreated, lastItem: this.lastItemId, changed: this.changedAfterSend };
    const unmatchedFiles = new Set<string>();
    for (const b of this.unmatched.values()) for (const p of b.files) unmatchedFiles.add(p);
    for (const [p, sig] of this.taken) {
      if (unmatchedFiles.has(p)) continue;
      const [s, m] = splitSignature(sig);
      yield { k: 'taken', p, s, m };
    }
    // Unmatched batches are replayed as they were: their files, then the close intent.
    const open = new Map(this.open);
    for (const b of [...this.unmatched.values()].sort((a, z) => a.seq - z.seq)) {
      for (const p of b.files) {
        const [s, m] = splitSignature(this.taken.get(p) ?? '0:0');
        yield { k: 'stable', p, s, m, t: 0 };
      }
      yield { k: 'close', b: b.batchId, seq: b.seq, t: 0 };
    }
    let first = true;
    for (const [p, sig] of open) {
      const [s, m] = splitSignature(sig);
      yield { k: 'stable', p, s, m, t: first ? this.openFirstAt : this.openLastAt };
      first = false;
    }
    for (const [p, sig] of this.seen) {
      const [s, m] = splitSignature(sig);
      yield { k: 'seen', p, s, m };
    }
  }
}

function splitSignature(sig: string): [number, number] {
  const i = sig.indexOf(':');
  return [Number(sig.slice(0, i)), Number(sig.slice(i + 1))];
}

/** Replays the journal (streaming), compacts it when it has grown well past its live state, opens it. */
export async function openLedger(filePath: string): Promise<{ ledger: Ledger; journal: Journal<LedgerRecord> }> {
  // Journal.open repairs a torn tail before we read.
  Journal.open<LedgerRecord>(filePath).close();
  // A compaction killed before its rename leaves its temp file; the journal itself is whole.
  removeLeftoverTemps(filePath);
  const ledger = new Ledger();
  for await (const r of replayRecords<LedgerRecord>(filePath)) ledger.apply(r);
  if (journalOutgrown(ledger)) writeLedgerSnapshot(filePath, ledger);
  // Seen-at-replay entries are handed to the tracker by the watch; from here on apply() ignores `seen`.
  ledger.trackSeen = false;
  return { ledger, journal: Journal.open<LedgerRecord>(filePath) };
}
