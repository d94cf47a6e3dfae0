// Progress travels to the UI packed: one message carries many items' latest figures as one flat
// array of numbers, not one small object per event.
//
// At full rate (10,000 items × 10 events/s) one message per event cost the renderer a task, a
// parse and some six objects per event, and the host a scrub and a serialization per event. Packed,
// a message of a thousand items parses into two arrays (a flat array of numbers costs the heap one
// object, whatever its length), and the renderer copies the figures straight into its own
// typed arrays (renderer/src/store/live-progress.ts).
//
// Only the common shape is packed: the six figures every stage reports. Events carrying more (job
// tasks, export counters, a retry notice) travel whole, as they are.

import type { ItemProgressEvent } from './contract';
import { STAGES, type StageName } from './domain';

export interface ProgressBatch {
  /** One id per packed row. */
  ids: string[];
  /** PROGRESS_ROW_WIDTH numbers per id, in the order of the ROW_ constants below. */
  rows: number[];
  /** Events of any other shape, whole. */
  whole: ItemProgressEvent[];
  /**
   * Throughput sparklines of items that just came into view: one sample a second, oldest first, at
   * most SPARKLINE_SAMPLES. Absent when there are none.
   */
  histories?: ItemThroughputHistory[];
}

export interface ItemThroughputHistory {
  id: string;
  samples: number[];
}

/** Throughput samples a sparkline shows (one a second). */
export const SPARKLINE_SAMPLES = 90;

// Row layout.
export const ROW_STAGE = 0; // index in STAGES
export const ROW_FILES_DONE = 1;
export const ROW_FILES_TOTAL = 2;
export const ROW_BYTES_DONE = 3;
export const ROW_BYTES_TOTAL = 4;
export const ROW_INDEXED_DONE = 5;
export const ROW_INDEXED_TOTAL = 6;
export const ROW_REJECTED = 7;
export const ROW_THROUGHPUT = 8;
/** Seconds; ETA_UNKNOWN stands for null (JSON has no NaN, and a null would make it an array of boxed values). */
export const ROW_ETA = 9;
export const PROGRESS_ROW_WIDTH = 10;
export const ETA_UNKNOWN = -1;

const STAGE_INDEX = new Map<string, number>(STAGES.map((s, i) => [s, i]));

/** Packs events; an item should appear once (ProgressBatcher keeps only its newest). */
export function packProgress(events: Iterable<ItemProgressEvent>): ProgressBatch {
  const batch: ProgressBatch = { ids: [], rows: [], whole: [] };
  for (const event of events) {
    if (!isPackable(event)) {
      batch.whole.push(event);
      continue;
    }
    const p = event.progress;
    batch.ids.push(event.id);
    batch.rows.push(
      STAGE_INDEX.get(event.stage)!,
      p.files.done,
      p.files.total,
      p.bytes.done,
      p.bytes.total,
      p.indexed.done,
      p.indexed.total,
      p.rejected,
      // Fewer digits, less to parse: whole bytes a second, and an ETA to a tenth of a second.
      Math.round(p.throughput),
      p.etaSeconds === null ? ETA_UNKNOWN : Math.round(p.etaSeconds * 10) / 10,
    );
  }
  return batch;
}

/** Every event of a batch as an object: packed rows first, then the whole ones. */
export function unpackProgress(batch: ProgressBatch): ItemProgressEvent[] {
  const out: ItemProgressEvent[] = [];
  for (let i = 0; i < batch.ids.length; i++) out.push(unpackRow(batch.ids[i]!, batch.rows, i * PROGRESS_ROW_WIDTH));
  return out.concat(batch.whole);
}

/** The event a packed row stands for, read from `rows` at offset `o`. */
export function unpackRow(id: string, rows: ArrayLike<number>, o: number): ItemProgressEvent {
  const eta = rows[o + ROW_ETA]!;
  return {
    id,
    stage: STAGES[rows[o + ROW_STAGE]!] as StageName,
    progress: {
      files: { done: rows[o + ROW_FILES_DONE]!, total: rows[o + ROW_FILES_TOTAL]! },
      bytes: { done: rows[o + ROW_BYTES_DONE]!, total: rows[o + ROW_BYTES_TOTAL]! },
      indexed: { done: rows[o + ROW_INDEXED_DONE]!, total: rows[o + ROW_INDEXED_TOTAL]! },
      rejected: rows[o + ROW_REJECTED]!,
      throughput: rows[o + ROW_THROUGHPUT]!,
      etaSeconds: eta === ETA_UNKNOWN || Number.isNaN(eta) ? null : eta,
    },
  };
}

/** The common shape: a known stage and the six figures every stage reports, nothing else. */
export function isPackable(event: ItemProgressEvent): boolean {
  const p = event.progress;
  if (p === null || typeof p !== 'object') return false;
  let keys = 0;
  for (const _ in p) keys++;
  if (keys !== 6) return false;
  keys = 0;
  for (const _ in event) keys++;
  return (
    keys === 3 &&
    typeof event.id === 'string' &&
    STAGE_INDEX.has(event.stage) &&
    typeof p.rejected === 'number' &&
    typeof p.throughput === 'number' &&
    (p.etaSeconds === null || (typeof p.etaSeconds === 'number' && p.etaSeconds >= 0)) &&
    isCounter(p.files) &&
    isCounter(p.bytes) &&
    isCounter(p.indexed)
  );
}

function isCounter(c: { done: number; total: number } | undefined): boolean {
  if (c === null || typeof c !== 'object' || typeof c.done !== 'number' || typeof c.total !== 'number') return false;
  let keys = 0;
  for (const _ in c) keys++;
  return keys === 2;
}
