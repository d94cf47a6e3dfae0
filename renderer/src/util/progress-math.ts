// What a row shows for an item's active stage: a fraction (or null when unknown) and a label.
// Service-side figures (indexing, tasks) come from the service, never from local guesses.

import type { ItemProgress, ItemSummary, StageName } from '../../../shared/domain';
import { formatCount } from './fast-format';

export interface StageMeter {
  /** 0..1, or null for an indeterminate bar (e.g. counting files). */
  fraction: number | null;
  label: string;
}

function ratio(done: number, total: number): number | null {
  if (!(total > 0)) return null;
  return Math.min(1, Math.max(0, done / total));
}

export function stageMeter(stage: StageName, p: ItemProgress, item?: Pick<ItemSummary, 'state'>): StageMeter {
  if (item?.state === 'done') return { fraction: 1, label: 'Done' };
  switch (stage) {
    case 'scan':
      return { fraction: null, label: `Scanning · ${formatCount(p.files.total)} files found` };
    case 'upload':
      return { fraction: ratio(p.bytes.done, p.bytes.total) ?? ratio(p.files.done, p.files.total), label: 'Uploading' };
    case 'indexing':
      return {
        fraction: ratio(p.indexed.done, p.indexed.total),
        label: p.indexed.total > 0 ? `Indexing · ${formatCount(p.indexed.done)} of ${formatCount(p.indexed.total)}` : 'Indexing · waiting for the service',
      };
    case 'processing': {
      const t = p.tasks;
      if (!t || t.total === 0) return { fraction: null, label: 'Processing · job starting' };
      return {
        fraction: Math.min(1, Math.max(0, t.fraction)),
        label: `Processing · ${t.succeeded + t.failed}/${t.total} tasks${t.failed ? ` · ${t.failed} failed` : ''}`,
      };
    }
    case 'export': {
      const fraction = p.exportBytes ? ratio(p.exportBytes.done, p.exportBytes.total) : p.exportFiles ? ratio(p.exportFiles.done, p.exportFiles.total) : null;
      return { fraction, label: 'Downloading results' };
    }
    case 'done':
      return { fraction: 1, label: 'Done' };
  }
}

/** Seconds until `iso`, or null when absent or unparseable. */
export function secondsUntil(iso: string | undefined, now = Date.now()): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? (t - now) / 1000 : null;
}
