// One dense queue row. It subscribes only to its own item and its own live progress, so progress on
// other items never re-renders it.

import { memo, useState } from 'react';
import { formatBytes, formatDuration, formatRate } from '../../../shared/format';
import { formatCount } from '../util/fast-format';
import { emptyProgress, type ItemState } from '../../../shared/domain';
import { isFinished, isMoving } from '../store/ordering';
import { useApp } from '../store/store-context';
import { stageMeter } from '../util/progress-math';
import { ProgressBar } from './ProgressBar';
import { RowActions } from './RowActions';
import { Sparkline } from './Sparkline';
import { StagePipeline } from './StagePipeline';

const NO_SAMPLES: readonly number[] = [];
const EMPTY = emptyProgress();

const STATE_WORD: Record<ItemState, string> = {
  queued: 'Queued',
  running: 'Running',
  waiting: 'Waiting on service',
  paused: 'Paused',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const QueueRow = memo(function QueueRow({
  id,
  selected,
  onOpen,
  onShowRejections,
  onKeyDown,
  index,
}: {
  id: string;
  selected: boolean;
  index: number;
  onOpen: (id: string) => void;
  onShowRejections: (id: string) => void;
  onKeyDown?: (event: React.KeyboardEvent, index: number) => void;
}) {
  const item = useApp((s) => s.items[id]);
  const live = useApp((s) => s.live[id]);
  const samples = useApp((s) => s.samples[id] ?? NO_SAMPLES);
  // Actions exist only while the pointer or focus is on the row: thousands of hidden buttons would
  // cost DOM and layout on every scroll.
  const [engaged, setEngaged] = useState(false);
  if (!item) return null;
  const progress = live?.progress ?? item.progress ?? EMPTY;
  const finished = isFinished(item);
  // no rate or time left for an item that is not moving: its last figures would stand still
  const idle = !isMoving(item);
  const meter = stageMeter(item.stage, progress, item);
  const tone = item.state === 'failed' ? 'failed' : item.state === 'paused' ? 'paused' : item.state === 'done' ? 'done' : 'active';
  // Transfers waiting for another attempt: say so, and why, so a slow item is not a mystery.
  const retrying = finished || item.state === 'paused' ? undefined : progress.retrying;
  const label =
    item.state === 'failed'
      ? item.error?.message ?? 'Failed'
      : item.state === 'paused'
        ? `Paused · ${meter.label}`
        : item.state === 'cancelled'
          ? 'Cancelled'
          : retrying
            ? `${meter.label} · retrying ${retrying.count}: ${retrying.reason}`
            : meter.label;
  const moving = item.stage === 'upload' && item.state === 'running';
  return (
    <div
      className={`qrow state-${item.state}${selected ? ' qrow-selected' : ''}`}
      role="row"
      tabIndex={0}
      aria-selected={selected}
      data-item-id={id}
      data-index={index}
      onClick={() => onOpen(id)}
      onKeyDown={(event) => onKeyDown?.(event, index)}
      onMouseEnter={() => setEngaged(true)}
      onMouseLeave={(event) => {
        if (!event.currentTarget.contains(document.activeElement)) setEngaged(false);
      }}
      onFocus={() => setEngaged(true)}
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null) && !event.currentTarget.matches(':hover')) setEngaged(false);
      }}
    >
      <div className="qcell qname" role="gridcell">
        <span className="qname-text" title={item.roots.join('\n')}>
          {item.name}
        </span>
        <span className={`qstate qstate-${item.state}`}>{STATE_WORD[item.state]}</span>
      </div>
      <div className="qcell qstages" role="gridcell">
        <StagePipeline stages={item.stages} />
      </div>
      <div className="qcell qmeter" role="gridcell">
        <ProgressBar fraction={finished && item.state !== 'done' ? progressOrZero(meter.fraction) : meter.fraction} label={label} tone={tone} />
        <span className={`qmeter-label${item.state === 'failed' ? ' text-failed' : retrying ? ' text-waiting' : ''}`} title={label}>
          {label}
        </span>
      </div>
      <div className="qcell num qfiles" role="gridcell" title="Files sent / planned">
        {progress.files.total > 0 ? `${formatCount(progress.files.done)} / ${formatCount(progress.files.total)}` : '—'}
      </div>
      <div className="qcell num qbytes" role="gridcell" title="Bytes sent / planned">
        {progress.bytes.total > 0 ? `${formatBytes(progress.bytes.done)} / ${formatBytes(progress.bytes.total)}` : '—'}
      </div>
      <div className="qcell num qrate" role="gridcell" title="Throughput (rolling)">
        {moving ? <Sparkline samples={samples} width={44} height={14} label="Throughput history" /> : null}
        <span>{!idle && progress.throughput > 0 ? formatRate(progress.throughput) : '—'}</span>
      </div>
      <div className="qcell num qeta" role="gridcell" title="Time left">
        {/* Time left is known only while bytes move; past the upload, a stale 0 read "0s" for hours. */}
        {!idle && progress.throughput > 0 ? formatDuration(progress.etaSeconds) : '—'}
      </div>
      <div className="qcell num qrej" role="gridcell">
        {progress.rejected > 0 ? (
          <button
            type="button"
            className="btn-link rej-link"
            aria-label={`${progress.rejected} rejected files in ${item.name}`}
            onClick={(event) => {
              event.stopPropagation();
              onShowRejections(id);
            }}
          >
            {formatCount(progress.rejected)}
          </button>
        ) : (
          <span className="muted">0</span>
        )}
      </div>
      {engaged || selected ? <RowActions item={item} /> : null}
    </div>
  );
});

function progressOrZero(fraction: number | null): number {
  return fraction ?? 0;
}
