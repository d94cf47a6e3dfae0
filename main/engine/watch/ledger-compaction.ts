// Keeps a watch journal in proportion to what it must remember. A file costs two records (seen,
// stable) and its share of its batch's close and item, but once sent only one `taken` in a
// snapshot; so when the journal holds well more records than the state needs, it is rewritten from
// the ledger's snapshot: at start, and while a watch runs (a desktop watch may run for weeks
// without a restart). The rewrite goes through a temp file renamed over the journal, so a kill -9
// at any instant leaves the old complete journal or the new complete one.

import { Journal } from '../journal';
import { writeLinesAtomic } from '../atomic-file';
import type { Ledger, LedgerRecord } from './ledger';

/**
 * The journal holds well more records than its state needs (1.5× and 1,000 more). That slack means
 * a rewrite to N records comes again only after about N + 2,000 new files: rewriting costs each
 * file about one record write more, whatever the folder's size, and between commits the journal
 * never holds more than 1.5 records per file it remembers (plus 1,000).
 */
export function journalOutgrown(ledger: Ledger): boolean {
  const live = ledger.taken.size + ledger.open.size + ledger.seen.size + 1;
  return ledger.records > 1.5 * live + 1000;
}

/**
 * Replaces the journal at `filePath` with the ledger's snapshot, streamed record by record (constant
 * memory, one write per ~64 KiB), and counts the new journal's records in `ledger.records`.
 * If it throws, the journal is as it was.
 */
export function writeLedgerSnapshot(filePath: string, ledger: Ledger): void {
  ledger.records = writeLinesAtomic(filePath, snapshotLines(ledger));
}

/**
 * Compacts the journal of a running watch: snapshot over it, then appends go on in the new file.
 * Call it only where the ledger is exactly what the journal replays to (no record written but not
 * applied, or applied but not written). If writing the snapshot fails, `journal` is untouched and
 * still the one to append to.
 */
export function compactLiveJournal(journal: Journal<LedgerRecord>, ledger: Ledger): Journal<LedgerRecord> {
  writeLedgerSnapshot(journal.filePath, ledger);
  // The old descriptor points at the replaced file: every later append must go to the new one.
  journal.close();
  return Journal.open<LedgerRecord>(journal.filePath);
}

function* snapshotLines(ledger: Ledger): Generator<string> {
  for (const r of ledger.snapshot()) yield JSON.stringify(r);
}
