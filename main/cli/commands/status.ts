// `batch-desk status`: the items of the data folder, newest first, with their progress.

import fs from 'node:fs';
import { formatBytes, formatCount } from '../../../shared/format';
import type { ItemState, ItemSummary } from '../../../shared/domain';
import { liveDataDirHolder } from '../../engine/data-dir-lock';
import { readJournaledUploadProgress } from '../../engine/ingest/journaled-upload-progress';
import { isFinished, readItemRecords, toSummary, type ItemRecord } from '../../engine/pipeline/item-record';
import { CliError, EXIT_OK, defaultDataDir, parseCommandArgs, type Command } from '../command';
import { itemRecord } from '../progress-display';

/**
 * An item as status shows it. `interrupted`: unfinished (queued, running or waiting) while no
 * process runs the data folder; `recordedState` keeps the state its record was left in.
 */
type StatusItem = Omit<ItemSummary, 'state'> & { state: ItemState | 'interrupted'; recordedState?: ItemState };

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show items and their progress',
  usage: `batch-desk status [--json]

Lists the items in the data folder (newest first): state, stage, files and bytes, rejections, batch,
job (the id \`batch-desk logs\` and \`export --job-id\` take) and when the remote data expires, then each
item's error and warnings. Files and bytes sent count every upload the item's journal holds. When no
process runs the data folder, an unfinished item is "interrupted" (\`batch-desk resume\` goes on) and
has no throughput or ETA. With --json, one line per item: {"type":"item","id":…,"item":{…}}.`,
  async run(ctx) {
    const { global } = parseCommandArgs(ctx, {});
    // Read-only: no engine, no lock taken, no network, so it works while another process is running items.
    if (!fs.existsSync(global.dataDir)) {
      // The default folder is missing until something first runs; another one named is likely mistyped.
      if (global.dataDir !== defaultDataDir()) throw new CliError(`No data folder at ${global.dataDir} (check --data-dir or BATCH_DESK_DATA_DIR).`);
    }
    const live = liveDataDirHolder(global.dataDir) !== undefined;
    const items: StatusItem[] = [];
    for (const { record, itemDir } of readItemRecords(global.dataDir)) items.push(await statusOf(record, itemDir, live));
    if (global.json) {
      for (const s of items) ctx.stdout.write(JSON.stringify(itemRecord(s)) + '\n');
      return EXIT_OK;
    }
    if (items.length === 0) {
      ctx.stdout.write('No items yet. Start one with `batch-desk ingest <folder> --batch-id <id>`.\n');
      return EXIT_OK;
    }
    const rows = items.map((s) => [
      s.id,
      s.name,
      s.state,
      s.stage,
      `${formatCount(s.progress.files.done)}/${formatCount(s.progress.files.total)}`,
      `${formatBytes(s.progress.bytes.done)}/${formatBytes(s.progress.bytes.total)}`,
      `${formatCount(s.progress.indexed.done)}`,
      String(s.progress.rejected),
      s.batchId,
      s.jobId ?? '-',
      s.expiresAt ? expiryText(s.expiresAt) : '-',
    ]);
    const head = ['ITEM', 'NAME', 'STATE', 'STAGE', 'FILES', 'BYTES', 'INDEXED', 'REJECTED', 'BATCH', 'JOB', 'EXPIRES'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    ctx.stdout.write([fmt(head), ...rows.map(fmt)].join('\n') + '\n');
    for (const s of items) {
      if (s.error) ctx.stdout.write(`${s.id}: ${s.error.message}\n`);
      for (const w of s.warnings ?? []) ctx.stdout.write(`${s.id}: warning: ${w}\n`);
    }
    const interrupted = items.filter((s) => s.state === 'interrupted').length;
    if (interrupted > 0) ctx.stdout.write(`${interrupted} item(s) interrupted (no process is running them); run \`batch-desk resume\` to go on.\n`);
    return EXIT_OK;
  },
};

/**
 * What the record says, corrected by what is known since its last save: files and bytes the upload
 * journal holds (read for unfinished uploads only, to keep status cheap with many items), and
 * whether anything is still moving at all.
 */
async function statusOf(record: ItemRecord, itemDir: string, live: boolean): Promise<StatusItem> {
  const summary = toSummary(record);
  let progress = { ...summary.progress };
  const uploadUnfinished = record.stages.upload !== 'done' && record.stages.upload !== 'skipped';
  if (!isFinished(record.state) && uploadUnfinished) {
    const journaled = await readJournaledUploadProgress(itemDir);
    if (journaled) progress = { ...progress, ...journaled };
  }
  const moving = live && !isFinished(record.state) && record.state !== 'paused';
  // A throughput, ETA or retry banner saved in the record is from a moment long gone unless a process is moving the item.
  if (!moving) progress = { ...progress, throughput: 0, etaSeconds: null, retrying: undefined };
  if (!live && !isFinished(record.state) && record.state !== 'paused') {
    return { ...summary, progress, state: 'interrupted', recordedState: record.state };
  }
  return { ...summary, progress };
}

/** "2026-12-06 14:02 UTC": to the minute, in one zone whatever the machine's. */
function expiryText(iso: string): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC` : iso;
}
