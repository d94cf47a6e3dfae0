// Child process for the kill -9 test of journal compaction (`node <this, bundled> <journal> <files per batch>`):
// opens the watch ledger as a watch does, then forever records batches of made-up files exactly as a
// running watch journals them (seen, stable, close, item, each durable before the next) and compacts
// the journal through the same function the watch uses, whenever it has outgrown its state.
// File `/cam/<batch>/<i>.jpg` has size <batch> and mtime <i>, so the parent can check every entry.
// Prints `compacting <seq>` before each compaction (seq is durable by then) and `compacted` after.

import { openLedger, type LedgerRecord } from '../../main/engine/watch/ledger';
import { compactLiveJournal, journalOutgrown } from '../../main/engine/watch/ledger-compaction';

const [file, perBatchArg] = process.argv.slice(2);
const perBatch = Number(perBatchArg);
const opened = await openLedger(file!);
const ledger = opened.ledger;
let journal = opened.journal;

function commit(records: LedgerRecord[]): void {
  if (records.length === 0) return;
  journal.appendMany(records);
  for (const r of records) ledger.apply(r);
}

// A batch closed before the kill without its item gets it, as the watch's recovery does.
for (const b of [...ledger.unmatched.values()]) commit([{ k: 'item', b: b.batchId, item: `item-${b.seq}` }]);

for (;;) {
  const seq = ledger.seq + 1;
  const files = Array.from({ length: perBatch }, (_, i) => ({ p: `/cam/${seq}/${i}.jpg`, s: seq, m: i })).filter((f) => !ledger.open.has(f.p));
  commit(files.map((f) => ({ k: 'seen', ...f })));
  commit(files.map((f) => ({ k: 'stable', ...f, t: Date.now() })));
  commit([{ k: 'close', b: `cam-${seq}`, seq, t: Date.now() }]);
  commit([{ k: 'item', b: `cam-${seq}`, item: `item-${seq}` }]);
  if (journalOutgrown(ledger)) {
    process.stdout.write(`compacting ${ledger.seq}\n`);
    journal = compactLiveJournal(journal, ledger);
    process.stdout.write('compacted\n');
  }
}
