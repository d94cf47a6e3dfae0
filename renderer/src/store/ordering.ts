// Newest-first ordering of items by creation time, kept sorted by insertion rather than re-sorting.

import type { ItemSummary } from '../../../shared/domain';

/** True when `a` belongs before `b` (newer first; ties broken by id so the order is stable). */
export function newerFirst(a: ItemSummary, b: ItemSummary): boolean {
  const ta = Date.parse(a.createdAt);
  const tb = Date.parse(b.createdAt);
  if (ta !== tb) return ta > tb;
  return a.id > b.id;
}

/** A copy of `ids` with `item` inserted at its place; `ids` must already be sorted newest first. */
export function insertSorted(ids: readonly string[], item: ItemSummary, items: Record<string, ItemSummary>): string[] {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const other = items[ids[mid]!];
    if (other && newerFirst(other, item)) low = mid + 1;
    else high = mid;
  }
  const next = ids.slice();
  next.splice(low, 0, item.id);
  return next;
}

/**
 * `ids` with `add` merged in at their places; both newest first. Pages of the queue listing come
 * in order, so they usually go at the end: the cost is one copy of `ids` and O(add) comparisons.
 */
export function mergeSorted(ids: readonly string[], add: readonly ItemSummary[], items: Record<string, ItemSummary>): string[] {
  if (add.length === 0) return ids.slice();
  // Everything newer than the first added item stays where it is.
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const other = items[ids[mid]!];
    if (other && newerFirst(other, add[0]!)) low = mid + 1;
    else high = mid;
  }
  const out = ids.slice(0, low);
  let i = low;
  let j = 0;
  while (i < ids.length && j < add.length) {
    const other = items[ids[i]!];
    if (other && newerFirst(other, add[j]!)) out.push(ids[i++]!);
    else out.push(add[j++]!.id);
  }
  while (i < ids.length) out.push(ids[i++]!);
  while (j < add.length) out.push(add[j++]!.id);
  return out;
}

export function sortNewestFirst(list: ItemSummary[]): string[] {
  // Parse each timestamp once: lists can hold 10,000 items.
  const keyed = list.map((item) => ({ id: item.id, t: Date.parse(item.createdAt) }));
  keyed.sort((a, b) => (a.t !== b.t ? b.t - a.t : a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return keyed.map((k) => k.id);
}

export function isBusy(item: Pick<ItemSummary, 'state'>): boolean {
  return item.state === 'running' || item.state === 'waiting' || item.state === 'queued';
}

/** Running or waiting on the service: its figures can still change (paused and queued ones stand still). */
export function isMoving(item: Pick<ItemSummary, 'state'>): boolean {
  return item.state === 'running' || item.state === 'waiting';
}

export function isFinished(item: Pick<ItemSummary, 'state'>): boolean {
  return item.state === 'done' || item.state === 'failed' || item.state === 'cancelled';
}

/** An older snapshot must never overwrite a newer one (events and list answers can cross). */
export function isStale(incoming: ItemSummary, current: ItemSummary | undefined): boolean {
  if (!current) return false;
  return Date.parse(incoming.updatedAt) < Date.parse(current.updatedAt);
}
