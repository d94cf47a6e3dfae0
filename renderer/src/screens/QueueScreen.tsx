// The queue: newest first, virtualized so 10,000 rows cost what the visible ones cost.

import { elementScroll, observeElementOffset, useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ErrorView } from '../components/ErrorView';
import { QueueRow } from '../components/QueueRow';
import { availableActions, confirmAction } from '../components/RowActions';
import { useApp, useAppStore } from '../store/store-context';
import { AddFolderButton } from '../components/AddFolder';
import { plural } from '../util/describe';
import { rowsToRender, type IndexRange } from '../util/rows-to-render';

const ROW_HEIGHT = 52;
/**
 * Rows a list shows in its very first render; the rest of the screenful follows a frame later. The
 * first rows pay for what is new to the page (React's first run of the row code, the fonts and sizes
 * rows use, each a synchronous lookup in the browser process on Linux): one task doing all of that
 * and a screenful of rows took 75-180 ms.
 */
const FIRST_ROWS = 3;
/**
 * Rows new to the page in one frame at most, afterwards: a jump's screenful (17 rows at 900 px) in
 * one frame took 15-16 ms of CPU in style, layout and paint (traced), twice that in wall time on a
 * busy 2-core machine.
 */
const NEW_ROWS_PER_FRAME = 8;

export function QueueScreen() {
  // The list itself, not a shallow copy check: comparing 10,000 ids on every store update (and
  // zustand's `shallow` builds two Maps to do it) cost more than merging a page.
  const ids = useApp((s) => s.queueIds);
  const status = useApp((s) => s.queueStatus);
  const error = useApp((s) => s.queueError);
  const loadQueue = useApp((s) => s.loadQueue);
  const finishedCount = useApp((s) => s.queueFinished);
  const clearFinished = useApp((s) => s.clearFinished);
  return (
    <section className="screen" aria-labelledby="queue-title">
      <header className="screen-head">
        <h1 id="queue-title">Queue</h1>
        <span className="screen-sub num">
          {ids.length > 0 ? plural(ids.length, 'item') : ''}
          {ids.length > 0 && status === 'loading' ? ' · loading…' : ''}
        </span>
        <div className="screen-tools">
          {finishedCount > 0 ? (
            <button type="button" className="btn btn-quiet" onClick={clearFinished}>
              Clear finished ({finishedCount})
            </button>
          ) : null}
          {ids.length > 0 ? <AddFolderButton primary /> : null}
        </div>
      </header>
      {status === 'error' && error ? (
        <ErrorView error={error} onRetry={() => void loadQueue()} />
      ) : status !== 'ready' && ids.length === 0 ? (
        <p className="loading">Loading the queue…</p>
      ) : ids.length === 0 ? (
        <EmptyQueue />
      ) : (
        <ItemList ids={ids} label="Queue" />
      )}
    </section>
  );
}

function EmptyQueue() {
  const mode = useApp((s) => s.info?.mode);
  return (
    <div className="empty">
      <div className="empty-drop" aria-hidden="true" />
      <h2>Drop folders here</h2>
      <p>
        Each drop becomes an item: Batch Desk scans it, uploads the images in shards, and — when a workflow is set — runs the job and
        brings the results back next to your files.
      </p>
      {mode === 'web' ? <p className="muted">In a browser, folders are added by path.</p> : null}
      <AddFolderButton primary />
    </div>
  );
}

/** A virtualized list of item rows, shared by the queue and history. */
export function ItemList({ ids, label }: { ids: string[]; label: string }) {
  const parentRef = useRef<HTMLDivElement>(null);
  const store = useAppStore();
  const selectedId = useApp((s) => s.selectedId);
  const openItem = useApp((s) => s.openItem);
  // A new getItemKey makes the virtualizer recompute all 10,000 positions; keep it stable per list.
  const getItemKey = useCallback((index: number) => ids[index]!, [ids]);
  const virtualizer = useVirtualizer({
    count: ids.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 3,
    getItemKey,
    // The viewport's size stands for the list's until the ResizeObserver reports it (a little more
    // than the list's, so the first render has every visible row).
    initialRect: { width: window.innerWidth, height: window.innerHeight },
    observeElementRect: observeRectWithoutLayout,
    observeElementOffset: observeOffsetNotingScrolls,
    scrollToFn: scrollWithoutNoOpOnMount,
    // Scrolling re-renders rows in React's normal batch rather than a forced synchronous flush
    // inside the scroll handler, which made scroll frames long tasks with 10,000 items.
    useFlushSync: false,
  });

  const [settled, setSettled] = useState(false);
  useEffect(() => {
    if (settled) return;
    const frame = requestAnimationFrame(() => setSettled(true));
    return () => cancelAnimationFrame(frame);
  }, [settled]);
  const rows = virtualizer.getVirtualItems();
  // At most NEW_ROWS_PER_FRAME rows new to the page in one frame, the rows in view first (see
  // rows-to-render.ts); the rest follow frame by frame.
  const committed = useRef<IndexRange | null>(null);
  const [, catchUp] = useState(0);
  let shown = rows.slice(0, FIRST_ROWS);
  if (settled && rows.length > 0) {
    const view = virtualizer.range;
    const range = rowsToRender(
      { first: rows[0]!.index, last: rows[rows.length - 1]!.index },
      view ? { first: view.startIndex, last: view.endIndex } : null,
      committed.current,
      NEW_ROWS_PER_FRAME,
    );
    shown = rows.filter((row) => row.index >= range.first && row.index <= range.last);
  }
  const partial = shown.length < rows.length;
  const shownFirst = shown[0]?.index ?? -1;
  const shownLast = shown[shown.length - 1]?.index ?? -1;
  useEffect(() => {
    committed.current = shownFirst < 0 ? null : { first: shownFirst, last: shownLast };
    if (!partial || !settled) return;
    const frame = requestAnimationFrame(() => catchUp((n) => n + 1));
    return () => cancelAnimationFrame(frame);
  }, [shownFirst, shownLast, partial, settled]);

  // Main sends the progress of the rows on screen (and the open item) five times a second, and the
  // others' when they come into view (store/progress-focus.ts).
  const showRows = useApp((s) => s.showRows);
  const focusFirst = rows[0]?.index ?? 0;
  const focusLast = rows[rows.length - 1]?.index ?? -1;
  useEffect(() => showRows(ids.slice(focusFirst, focusLast + 1)), [showRows, ids, focusFirst, focusLast, selectedId]);
  useEffect(() => () => showRows([]), [showRows]);

  const showRejections = useCallback((id: string) => openItem(id, { tab: 'files', filter: 'rejected' }), [openItem]);

  const focusRow = useCallback(
    (index: number) => {
      virtualizer.scrollToIndex(index, { align: 'auto' });
      // After a jump the row may come a few frames later (NEW_ROWS_PER_FRAME).
      let frames = 0;
      const focusWhenThere = () => {
        const row = parentRef.current?.querySelector<HTMLElement>(`[data-index="${index}"]`);
        if (row) row.focus();
        else if (++frames < 10) requestAnimationFrame(focusWhenThere);
      };
      requestAnimationFrame(focusWhenThere);
    },
    [virtualizer],
  );

  // Read through a ref: a handler that changed with `ids` re-rendered every visible row each time a
  // page of the queue arrived.
  const idsRef = useRef(ids);
  idsRef.current = ids;
  const onKeyDown = useCallback(
    (event: React.KeyboardEvent, index: number) => {
      if (event.target !== event.currentTarget) return; // keys inside row buttons act on the button
      // Ctrl/⌘/Alt combinations belong to the browser and the system (Ctrl+R reloads): not a row shortcut.
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const ids = idsRef.current;
      const id = ids[index]!;
      const item = store.getState().items[id];
      if (event.key === 'ArrowDown' && index < ids.length - 1) focusRow(index + 1);
      else if (event.key === 'ArrowUp' && index > 0) focusRow(index - 1);
      else if (event.key === 'Home') focusRow(0);
      else if (event.key === 'End') focusRow(ids.length - 1);
      else if (event.key === 'Enter') openItem(id);
      else if (event.key === ' ' && item) {
        const actions = availableActions(item);
        if (actions.includes('pause')) void store.getState().itemAction('pause', id);
        else if (actions.includes('resume')) void store.getState().itemAction('resume', id);
      } else if (event.key.toLowerCase() === 'r' && item?.state === 'failed') {
        if (confirmAction('retry', item)) void store.getState().itemAction('retry', id);
      } else return;
      event.preventDefault();
    },
    [store, focusRow, openItem],
  );

  return (
    <div className="qlist" role="grid" aria-label={label} aria-rowcount={ids.length}>
      <div className="qrow qhead" role="row">
        <div className="qcell qname" role="columnheader">Name</div>
        <div className="qcell qstages" role="columnheader">Stages</div>
        <div className="qcell qmeter" role="columnheader">Progress</div>
        <div className="qcell num qfiles" role="columnheader">Files</div>
        <div className="qcell num qbytes" role="columnheader">Bytes</div>
        <div className="qcell num qrate" role="columnheader">Rate</div>
        <div className="qcell num qeta" role="columnheader">ETA</div>
        <div className="qcell num qrej" role="columnheader">Rejected</div>
      </div>
      <div ref={parentRef} className="qscroll">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {shown.map((row) => (
            <div key={row.key} className="qslot" style={{ transform: `translateY(${row.start}px)`, height: ROW_HEIGHT }}>
              <QueueRow
                id={ids[row.index]!}
                index={row.index}
                selected={selectedId === ids[row.index]}
                onOpen={openItem}
                onShowRejections={showRejections}
                onKeyDown={onKeyDown}
              />
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}

/**
 * The list's size from a ResizeObserver only. The virtualizer's default also reads `clientHeight`
 * as it mounts, in React's commit, which forces a synchronous layout of the rows just inserted: the
 * whole first layout of the console (fonts included) then ran inside the task that rendered it.
 * The observer reports once layout has happened anyway, in the frame.
 */
function observeRectWithoutLayout(instance: Virtualizer<HTMLDivElement, Element>, cb: (rect: { width: number; height: number }) => void) {
  const element = instance.scrollElement;
  if (!element || typeof ResizeObserver === 'undefined') return;
  const observer = new ResizeObserver(() => {
    // Layout is clean when observers run: reading the size here costs nothing.
    cb({ width: Math.round(element.clientWidth), height: Math.round(element.clientHeight) });
  });
  observer.observe(element, { box: 'content-box' });
  return () => observer.disconnect();
}

/** List elements that have scrolled or been scrolled: only a fresh one is known to be at offset 0. */
const moved = new WeakSet<Element>();

function observeOffsetNotingScrolls(instance: Virtualizer<HTMLDivElement, Element>, cb: (offset: number, isScrolling: boolean) => void) {
  const element = instance.scrollElement;
  return observeElementOffset(instance, (offset, isScrolling) => {
    if (element) moved.add(element);
    cb(offset, isScrolling);
  });
}

/**
 * As the virtualizer's own, except the write it makes as it mounts, to offset 0 on an element that
 * has never scrolled: `scrollTo` forces a synchronous layout of the rows just rendered, inside React's
 * commit, and the element is already there.
 */
function scrollWithoutNoOpOnMount(offset: number, options: { adjustments?: number; behavior?: ScrollBehavior }, instance: Virtualizer<HTMLDivElement, Element>) {
  const element = instance.scrollElement;
  if (element && !moved.has(element) && offset + (options.adjustments ?? 0) === 0) return;
  if (element) moved.add(element);
  elementScroll(offset, options, instance);
}
