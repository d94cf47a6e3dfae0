// Shows an engine's items on the terminal: a one-line progress bar redrawn in place on a TTY, a
// plain line every few seconds when piped, or JSON lines (`--json`) for scripts. The jobs commands
// reuse it: it knows every stage, not only the ingest ones.

import type { ItemProgress, ItemSummary, StageName } from '../../shared/domain';
import type { ItemProgressEvent } from '../../shared/contract';
import { formatBytes, formatCount, formatDuration, formatRate } from '../../shared/format';
import type { Engine } from '../engine/pipeline/engine';

/**
 * With `--json`, every record has a `type` ("item", "progress", "note"…), and `id` is always the
 * item's id when the record is about an item; the whole item, where sent, is under `item`.
 */
export interface ProgressDisplay {
  item(summary: ItemSummary): void;
  progress(event: ItemProgressEvent): void;
  /** A line of text (or a JSON record with `--json`). */
  note(text: string, record?: Record<string, unknown>): void;
  close(): void;
}

/** The JSON line of an item: the record `status --json`, `run` and `watch` print alike. */
export function itemRecord<S extends { id: string }>(summary: S): { type: 'item'; id: string; item: S } {
  return { type: 'item', id: summary.id, item: summary };
}

/** The same display, with every note's record naming the item (`id`). */
export function forItem(display: ProgressDisplay, itemId: string): ProgressDisplay {
  return {
    item: (s) => display.item(s),
    progress: (e) => display.progress(e),
    note: (text, record) => display.note(text, { id: itemId, ...record }),
    close: () => display.close(),
  };
}

export interface DisplayOptions {
  json: boolean;
  /** Defaults to the stream's own isTTY. */
  tty?: boolean;
  /** Plain mode: at most one line per this many ms per item (default 5000). */
  plainIntervalMs?: number;
}

const BAR_WIDTH = 24;

/** One line describing an item's progress in its current stage. */
export function progressLine(name: string, stage: StageName, p: ItemProgress, width = BAR_WIDTH): string {
  let fraction = 0;
  const parts: string[] = [];
  if (stage === 'scan') {
    parts.push(`${formatCount(p.files.total)} files found`, formatBytes(p.bytes.total));
  } else if (stage === 'indexing') {
    fraction = p.indexed.total > 0 ? p.indexed.done / p.indexed.total : 0;
    parts.push(`indexed ${formatCount(p.indexed.done)}/${formatCount(p.indexed.total)}`);
  } else if ((stage === 'processing' || stage === 'export') && (p.tasks || p.exportFiles)) {
    if (stage === 'processing' && p.tasks) {
      fraction = p.tasks.fraction;
      parts.push(`tasks ${p.tasks.succeeded + p.tasks.failed}/${p.tasks.total}`);
    } else if (p.exportFiles) {
      fraction = p.exportFiles.total > 0 ? p.exportFiles.done / p.exportFiles.total : 0;
      parts.push(`files ${formatCount(p.exportFiles.done)}/${formatCount(p.exportFiles.total)}`);
      if (p.exportBytes) parts.push(`${formatBytes(p.exportBytes.done)}/${formatBytes(p.exportBytes.total)}`);
      // The exporter measures its own rate and time left (exporter.ts), as the upload does.
      parts.push(formatRate(p.throughput), `ETA ${formatDuration(p.etaSeconds)}`);
    }
  } else {
    fraction = p.bytes.total > 0 ? p.bytes.done / p.bytes.total : p.files.total > 0 ? p.files.done / p.files.total : 0;
    parts.push(`files ${formatCount(p.files.done)}/${formatCount(p.files.total)}`, `${formatBytes(p.bytes.done)}/${formatBytes(p.bytes.total)}`);
    parts.push(formatRate(p.throughput), `ETA ${formatDuration(p.etaSeconds)}`);
  }
  if (p.rejected > 0) parts.push(`${formatCount(p.rejected)} rejected`);
  if (p.retrying?.checkingArrival) {
    // No try is due while the service is asked whether an upload landed: said whole, not as a retry.
    parts.push(p.retrying.count > 1 ? `${p.retrying.reason} (${p.retrying.count} waiting)` : p.retrying.reason);
  } else if (p.retrying) parts.push(`retrying ${p.retrying.count} (${p.retrying.reason.slice(0, 60)})`);
  const f = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(f * width);
  const bar = stage === 'scan' ? '' : `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}% `;
  return `${name} ${stage.padEnd(10)} ${bar}${parts.join(' · ')}`;
}

export function createProgressDisplay(out: NodeJS.WriteStream, opts: DisplayOptions): ProgressDisplay {
  const tty = opts.tty ?? Boolean(out.isTTY);
  const interval = opts.plainIntervalMs ?? 5000;
  const names = new Map<string, string>();
  const lastPlain = new Map<string, number>();
  /** Piped: the newest line held back by the interval, per item, printed once it is up. */
  const pendingPlain = new Map<string, NodeJS.Timeout>();
  const dropPending = (id: string) => {
    clearTimeout(pendingPlain.get(id));
    pendingPlain.delete(id);
  };
  const lastStage = new Map<string, StageName>();
  let drawn = false;

  const clearLine = () => {
    if (tty && drawn) {
      out.write('\r\x1b[2K');
      drawn = false;
    }
  };

  if (opts.json) {
    return {
      item: (s) => out.write(JSON.stringify(itemRecord(s)) + '\n'),
      progress: (e) => out.write(JSON.stringify({ type: 'progress', id: e.id, stage: e.stage, progress: e.progress }) + '\n'),
      note: (text, record) => out.write(JSON.stringify({ type: 'note', message: text, ...record }) + '\n'),
      close: () => undefined,
    };
  }

  return {
    item(s) {
      names.set(s.id, s.name);
      if (lastStage.get(s.id) !== s.stage || s.state === 'done' || s.state === 'failed') {
        lastStage.set(s.id, s.stage);
        dropPending(s.id); // a line held back from the stage before would come after this one, out of date
        if (!tty) out.write(`${s.name}: ${s.stage} (${s.state})\n`);
      }
    },
    progress(e) {
      const line = progressLine(names.get(e.id) ?? e.id, e.stage, e.progress);
      if (tty) {
        const cols = out.columns ?? 120;
        out.write('\r\x1b[2K' + line.slice(0, Math.max(20, cols - 1)));
        drawn = true;
      } else {
        const t = Date.now();
        const since = t - (lastPlain.get(e.id) ?? 0);
        dropPending(e.id);
        if (since >= interval) {
          lastPlain.set(e.id, t);
          out.write(line + '\n');
        } else {
          // The newest line still goes once the interval is up: the last event before a long quiet
          // spell (a retry, a wait for the service) would otherwise never be seen.
          const timer = setTimeout(() => {
            pendingPlain.delete(e.id);
            lastPlain.set(e.id, Date.now());
            out.write(line + '\n');
          }, interval - since);
          timer.unref();
          pendingPlain.set(e.id, timer);
        }
      }
    },
    note(text) {
      clearLine();
      out.write(text + '\n');
    },
    close() {
      if (tty && drawn) out.write('\n');
      drawn = false;
      for (const id of [...pendingPlain.keys()]) dropPending(id);
    },
  };
}

/** Feeds an engine's events to a display; returns the unsubscribe function. */
export function attachDisplay(engine: Engine, display: ProgressDisplay, only?: (id: string) => boolean): () => void {
  const onItem = (s: ItemSummary) => {
    if (!only || only(s.id)) display.item(s);
  };
  const onProgress = (e: ItemProgressEvent) => {
    if (!only || only(e.id)) display.progress(e);
  };
  engine.on('item', onItem);
  engine.on('progress', onProgress);
  return () => {
    engine.off('item', onItem);
    engine.off('progress', onProgress);
  };
}
