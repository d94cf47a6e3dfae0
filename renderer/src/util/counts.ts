// Counts over the whole queue, recomputed only when the item records or the id list change (not on
// every progress flush, which leaves both untouched).

import type { ItemState, ItemSummary } from '../../../shared/domain';

type Counter = (items: Record<string, ItemSummary>, ids: readonly string[]) => number;

function memoCount(test: (state: ItemState | undefined) => boolean): Counter {
  let lastItems: Record<string, ItemSummary> | null = null;
  let lastIds: readonly string[] | null = null;
  let last = 0;
  return (items, ids) => {
    if (items === lastItems && ids === lastIds) return last;
    let n = 0;
    for (const id of ids) if (test(items[id]?.state)) n++;
    lastItems = items;
    lastIds = ids;
    last = n;
    return n;
  };
}

export const countBusy = memoCount((s) => s === 'running' || s === 'waiting' || s === 'queued');
export const countFinished = memoCount((s) => s === 'done' || s === 'failed' || s === 'cancelled');
