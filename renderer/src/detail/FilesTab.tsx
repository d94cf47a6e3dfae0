// Every file of an item, paged from main as the list scrolls (an item can hold a million files),
// filtered by state; rejections carry their reason and can be exported as CSV. The pages read so
// far are read again, in place, as the item moves on.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { FileRow, FileState, ItemSummary } from '../../../shared/domain';
import { formatBytes } from '../../../shared/format';
import { formatCount } from '../util/fast-format';
import type { AppError } from '../../../shared/result';
import { ErrorView } from '../components/ErrorView';
import { Segmented } from '../components/Segmented';
import { useApp, useAppStore } from '../store/store-context';
import type { AppState } from '../store/types';

const PAGE = 200;
const ROW = 30;
/** At most this often the list follows a running item's progress (a new stage or state at once). */
const FOLLOW_MS = 2000;
const FILTERS: { value: FileState | 'all'; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'planned', label: 'Planned' },
  { value: 'uploading', label: 'Uploading' },
  { value: 'uploaded', label: 'Uploaded' },
  { value: 'indexed', label: 'Indexed' },
  { value: 'rejected', label: 'Rejected' },
];

export function FilesTab({ item }: { item: ItemSummary }) {
  const api = useApp((s) => s.api);
  const filter = useApp((s) => s.filesFilter);
  const setFilter = useApp((s) => s.setFilesFilter);
  const pushNotice = useApp((s) => s.pushNotice);
  const store = useAppStore();
  const pages = useRef(new Map<number, FileRow[] | 'loading' | 'failed'>());
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [generation, reset] = useReducer((n: number) => n + 1, 0);
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const parentRef = useRef<HTMLDivElement>(null);
  /** The first and last page on screen. */
  const onScreen = useRef<[number, number]>([0, 0]);

  useEffect(() => {
    pages.current = new Map();
    setTotal(null);
    setError(null);
  }, [item.id, filter, generation]);

  const fetchPage = useCallback(
    async (page: number) => {
      const mine = pages.current;
      const result = await api['item:files']({ id: item.id, offset: page * PAGE, limit: PAGE, state: filter });
      if (pages.current !== mine) return; // the filter changed meanwhile
      if (result.ok) {
        mine.set(page, result.value.rows);
        setTotal(result.value.total);
        if (![...mine.values()].includes('failed')) setError(null);
      } else {
        // Rows already shown stay; a page never shown is marked, not dropped: the scroll effect
        // would ask for a dropped page again at once, a tight loop while main is down.
        if (!Array.isArray(mine.get(page))) mine.set(page, 'failed');
        setError(result.error);
      }
      bump();
    },
    [api, item.id, filter],
  );

  const load = useCallback(
    (page: number) => {
      if (pages.current.has(page)) return;
      pages.current.set(page, 'loading');
      void fetchPage(page);
    },
    [fetchPage],
  );

  /**
   * Reads the pages on screen again (failed ones too), keeping their rows shown meanwhile; pages
   * off screen are forgotten, to be read when scrolled back to rather than on every refresh.
   */
  const refresh = useCallback(() => {
    const [first, last] = onScreen.current;
    for (const [page, rows] of pages.current) {
      if (rows === 'loading') continue;
      if (page >= first && page <= last) void fetchPage(page);
      else pages.current.delete(page);
    }
  }, [fetchPage]);

  useEffect(() => {
    load(0);
  }, [load, generation]);

  // Follow the item: a new stage or state at once; files sent, indexed or rejected (and the record's
  // updatedAt) at most every FOLLOW_MS. Watched through the store, not a selector, so progress
  // arriving ten times a second does not re-render the list.
  useEffect(() => {
    const look = (s: AppState) => {
      const it = s.items[item.id];
      const p = s.live[item.id]?.progress ?? it?.progress;
      return { step: `${it?.stage} ${it?.state}`, figures: `${it?.updatedAt} ${p?.files.done}/${p?.files.total} ${p?.indexed.done} ${p?.rejected}` };
    };
    let seen = look(store.getState());
    let last = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const follow = (wait: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        last = Date.now();
        refresh();
      }, wait);
    };
    const unsubscribe = store.subscribe((s) => {
      const now = look(s);
      if (now.step !== seen.step) follow(0);
      else if (now.figures !== seen.figures && !timer) follow(Math.max(0, last + FOLLOW_MS - Date.now()));
      seen = now;
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [store, item.id, refresh]);

  const virtualizer = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW,
    overscan: 20,
    initialRect: { width: 400, height: 500 },
  });
  const virtualRows = virtualizer.getVirtualItems();
  useEffect(() => {
    if (virtualRows.length === 0) return;
    const first = Math.floor(virtualRows[0]!.index / PAGE);
    const last = Math.floor(virtualRows[virtualRows.length - 1]!.index / PAGE);
    onScreen.current = [first, last];
    for (let page = first; page <= last; page++) load(page);
  });

  const exportCsv = async () => {
    const result = await api['item:rejections-csv']({ id: item.id });
    if (!result.ok) {
      pushNotice({ level: 'error', message: result.error.message, error: result.error });
      return;
    }
    const url = URL.createObjectURL(new Blob([result.value], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${item.batchId}-rejections.csv`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  const rowAt = (index: number): FileRow | undefined => {
    const page = pages.current.get(Math.floor(index / PAGE));
    return Array.isArray(page) ? page[index % PAGE] : undefined;
  };

  return (
    <div className="files-tab">
      <div className="files-tools">
        <Segmented label="Show files" options={FILTERS} value={filter} onChange={setFilter} />
        <span className="num muted">{total != null ? `${formatCount(total)} files` : ''}</span>
        <button type="button" className="btn-icon" onClick={reset} aria-label="Refresh files">
          ↻
        </button>
        {item.progress.rejected > 0 || filter === 'rejected' ? (
          <button type="button" className="btn btn-small" onClick={() => void exportCsv()}>
            Export CSV
          </button>
        ) : null}
      </div>
      {/* Beside the list, not instead of it: the rows read so far and the scroll position stay. */}
      {error ? <ErrorView error={error} onRetry={refresh} compact={total != null} /> : null}
      {total === 0 ? (
        <p className="empty-line">{filter === 'rejected' ? 'No file was rejected.' : filter === 'all' ? 'No files planned yet; the scan fills this list.' : `No file is ${filter}.`}</p>
      ) : total == null ? (
        error ? null : <p className="loading">Loading files…</p>
      ) : (
        <div ref={parentRef} className="files-scroll" role="list" aria-label="Files">
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualRows.map((v) => {
              const row = rowAt(v.index);
              return (
                <div key={v.key} role="listitem" className={`frow${row ? ` file-${row.state}` : ''}`} style={{ transform: `translateY(${v.start}px)`, height: ROW }}>
                  {row ? <FileLine row={row} /> : <span className="muted">…</span>}
                </div>
              );
            })}
          </div>
        </div>
      )}
    </div>
  );
}

function FileLine({ row }: { row: FileRow }) {
  const slash = Math.max(row.sourcePath.lastIndexOf('/'), row.sourcePath.lastIndexOf('\\'));
  const name = row.sourcePath.slice(slash + 1);
  const dir = row.sourcePath.slice(0, slash + 1);
  if (row.reason) {
    // Reasons often quote the full path; the name is already on the line.
    const reason = row.reason.split(row.sourcePath).join(name);
    return (
      <>
        <span className={`fstate fstate-${row.state}`}>{row.state}</span>
        <span className="fname mono" title={row.sourcePath}>
          {name}
        </span>
        <span className="freason" title={row.reason}>
          {reason}
        </span>
      </>
    );
  }
  return (
    <>
      <span className={`fstate fstate-${row.state}`}>{row.state}</span>
      <span className="fpath mono" title={row.sourcePath}>
        <span className="fdir">{dir}</span>
        <span className="fname">{name}</span>
      </span>
      <span className="fsize num">{formatBytes(row.size)}</span>
    </>
  );
}
