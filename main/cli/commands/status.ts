// `batch-desk status`: the items of the data folder, newest first, with their progress.

import { formatBytes, formatCount } from '../../../shared/format';
import { ItemStore, toSummary } from '../../engine/pipeline/item-record';
import { EXIT_OK, parseCommandArgs, type Command } from '../command';
import { itemRecord } from '../progress-display';

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show items and their progress',
  usage: `batch-desk status [--json]

Lists the items in the data folder (newest first): state, stage, files and bytes, rejections, batch,
job (the id \`batch-desk logs\` and \`export --job-id\` take) and when the remote data expires, then each
item's error and warnings. With --json, one line per item: {"type":"item","id":…,"item":{…}}.`,
  async run(ctx) {
    const { global } = parseCommandArgs(ctx, {});
    // Read-only: no engine, no network, so it works while another process is running items.
    const items = new ItemStore(global.dataDir).list().map(toSummary);
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
    return EXIT_OK;
  },
};

/** "2026-12-06 14:02 UTC": to the minute, in one zone whatever the machine's. */
function expiryText(iso: string): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC` : iso;
}
