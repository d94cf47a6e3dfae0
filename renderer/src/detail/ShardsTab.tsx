// The item's shards: each tar archive sent to the service (up to 256 files by default), with its
// state, size, upload attempts and last error, so the operator can see which one is stuck and why.
// Virtualized: an item of a million files has about 4,000 of them. Refreshed with the item's detail.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import type { ItemSummary, ShardRow } from '../../../shared/domain';
import { formatBytes } from '../../../shared/format';
import { ErrorView } from '../components/ErrorView';
import { Segmented } from '../components/Segmented';
import { useApp } from '../store/store-context';
import { formatCount } from '../util/fast-format';

const ROW = 30;
const NO_SHARDS: readonly ShardRow[] = [];

type ShardFilter = 'all' | 'retried' | 'failed';
const FILTERS: { value: ShardFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'retried', label: 'Retried' },
  { value: 'failed', label: 'Failed' },
];

function shown(shard: ShardRow, filter: ShardFilter): boolean {
  if (filter === 'failed') return shard.state === 'failed';
  if (filter === 'retried') return shard.attempts > 1 || shard.error !== undefined;
  return true;
}

export function ShardsTab({ item }: { item: ItemSummary }) {
  const detail = useApp((s) => (s.detail?.id === item.id ? s.detail : undefined));
  const refreshDetail = useApp((s) => s.refreshDetail);
  const [filter, setFilter] = useState<ShardFilter>('all');
  const all = detail?.value?.shards ?? NO_SHARDS;
  const shards = useMemo(() => (filter === 'all' ? all : all.filter((s) => shown(s, filter))), [all, filter]);
  const parentRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: shards.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW,
    overscan: 20,
    initialRect: { width: 400, height: 500 },
  });

  if (!detail?.value) {
    return detail?.status === 'error' && detail.error ? <ErrorView error={detail.error} onRetry={() => void refreshDetail()} /> : <p className="loading">Loading shards…</p>;
  }
  const done = all.filter((s) => s.state === 'uploaded' || s.state === 'indexed').length;
  return (
    <div className="files-tab">
      <div className="files-tools">
        <Segmented label="Show shards" options={FILTERS} value={filter} onChange={setFilter} />
        <span className="num muted">{all.length > 0 ? `${formatCount(done)} of ${formatCount(all.length)} shards sent` : ''}</span>
      </div>
      {shards.length === 0 ? (
        <p className="empty-line">{all.length === 0 ? 'No shards yet; the scan plans them.' : filter === 'failed' ? 'No shard has failed.' : 'Every shard went in one attempt.'}</p>
      ) : (
        <div ref={parentRef} className="files-scroll" role="list" aria-label="Shards">
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((v) => {
              const shard = shards[v.index]!;
              return (
                <div key={shard.index} role="listitem" className="frow" style={{ transform: `translateY(${v.start}px)`, height: ROW }}>
                  <ShardLine shard={shard} />
                </div>
              );
            })}
          </div>
        </div>
      )}
    </div>
  );
}

function ShardLine({ shard }: { shard: ShardRow }) {
  return (
    <>
      <span className={`fstate fstate-${shard.state}`}>{shard.state}</span>
      <span className="shard-name mono">shard {shard.index}</span>
      <span className="shard-files num">{formatCount(shard.files)} files</span>
      <span className="fsize num">{formatBytes(shard.bytes)}</span>
      <span className="shard-attempts num" title="Upload attempts">
        {shard.attempts > 1 ? `${shard.attempts} attempts` : ''}
      </span>
      {shard.error ? (
        <span className={shard.state === 'failed' ? 'freason' : 'freason text-waiting'} title={shard.error}>
          {shard.error}
        </span>
      ) : null}
    </>
  );
}
