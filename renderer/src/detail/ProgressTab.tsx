// Per-stage figures of one item, its throughput sparkline, and what failed and why.

import { useState } from 'react';
import { STAGES, emptyProgress, type ItemProgress, type ItemSummary, type StageName } from '../../../shared/domain';
import { formatBytes, formatDuration, formatRate } from '../../../shared/format';
import { formatCount } from '../util/fast-format';
import { ErrorView } from '../components/ErrorView';
import { actionLabel, confirmAction } from '../components/RowActions';
import { ProgressBar } from '../components/ProgressBar';
import { Sparkline } from '../components/Sparkline';
import { isFinished, isMoving } from '../store/ordering';
import { useApp } from '../store/store-context';
import { stageMeter } from '../util/progress-math';
import { JobForm } from './JobForm';

const NO_SAMPLES: readonly number[] = [];
const STAGE_LABEL: Record<StageName, string> = {
  scan: 'Scan',
  upload: 'Upload',
  indexing: 'Indexing (service)',
  processing: 'Processing (service)',
  export: 'Export download',
  done: 'Done',
};

export function ProgressTab({ item }: { item: ItemSummary }) {
  const live = useApp((s) => s.live[item.id]);
  const samples = useApp((s) => s.samples[item.id] ?? NO_SAMPLES);
  const history = useApp((s) => (s.detail?.id === item.id ? s.detail.value?.throughputHistory : undefined));
  const itemAction = useApp((s) => s.itemAction);
  const openItem = useApp((s) => s.openItem);
  const [starting, setStarting] = useState(false);
  const p = live?.progress ?? item.progress ?? emptyProgress();
  const line = samples.length >= 2 ? samples : history ?? NO_SAMPLES;
  const finished = isFinished(item);
  // a paused or queued item's last figures would stand still
  const moving = p.throughput > 0 && isMoving(item);
  const canStartJob = !item.jobId && item.pipeline === 'ingest' && item.state !== 'cancelled' && item.state !== 'failed';

  return (
    <div className="progress-tab">
      {item.state === 'failed' && item.error ? (
        <ErrorView
          error={item.error}
          onRetry={() => {
            if (confirmAction('retry', item)) void itemAction('retry', item.id);
          }}
          retryLabel={actionLabel('retry', item)}
        />
      ) : null}
      {finished ? (
        <p className="finished-line">
          {item.state === 'done' ? 'Finished' : item.state === 'cancelled' ? 'Cancelled' : 'Stopped'} · {formatCount(p.files.done)} of {formatCount(p.files.total)} files sent ·{' '}
          {formatBytes(p.bytes.done)}
        </p>
      ) : (
        <div className="throughput">
          <div>
            <div className="figure-label">Throughput now</div>
            <div className="figure-big num">{moving ? formatRate(p.throughput) : '—'}</div>
          </div>
          <div>
            <div className="figure-label">Time left</div>
            <div className="figure-big num">{moving ? formatDuration(p.etaSeconds) : '—'}</div>
          </div>
          <Sparkline samples={line} width={200} height={40} label="Throughput over the last minute" />
        </div>
      )}
      <table className="stage-table">
        <tbody>
          {STAGES.filter((s) => s !== 'done' && item.stages[s] !== 'skipped').map((stage) => (
            <StageRow key={stage} stage={stage} item={item} p={p} />
          ))}
        </tbody>
      </table>
      {p.rejected > 0 ? (
        <p>
          <button type="button" className="btn-link" onClick={() => openItem(item.id, { tab: 'files', filter: 'rejected' })}>
            {formatCount(p.rejected)} {p.rejected === 1 ? 'file was' : 'files were'} not sent — see why
          </button>
        </p>
      ) : null}
      {canStartJob ? (
        starting ? (
          <JobForm itemId={item.id} onDone={() => setStarting(false)} onCancel={() => setStarting(false)} />
        ) : (
          <div className="cta">
            <p>This item is ingest only. Run a Workflow on its batch to get results.</p>
            <button type="button" className="btn btn-primary" onClick={() => setStarting(true)}>
              Start processing…
            </button>
          </div>
        )
      ) : null}
    </div>
  );
}

function StageRow({ stage, item, p }: { stage: StageName; item: ItemSummary; p: ItemProgress }) {
  const state = item.stages[stage];
  const meter = state === 'done' ? { fraction: 1, label: '' } : state === 'active' ? stageMeter(stage, p) : { fraction: 0, label: '' };
  return (
    <tr className={`stage-row stage-${state}`}>
      <th scope="row">
        <span className={`stage-dot dot-${state}`} aria-hidden="true" /> {STAGE_LABEL[stage]}
      </th>
      <td className="stage-bar">
        <ProgressBar fraction={state === 'pending' ? 0 : meter.fraction} label={`${STAGE_LABEL[stage]} ${state}`} tone={state === 'failed' ? 'failed' : state === 'done' ? 'done' : 'active'} />
      </td>
      <td className="num">{figures(stage, p)}</td>
      <td className="stage-state">{state}</td>
    </tr>
  );
}

function figures(stage: StageName, p: ItemProgress): string {
  switch (stage) {
    case 'scan':
      return `${formatCount(p.files.total)} files · ${formatCount(p.rejected)} rejected`;
    case 'upload':
      return `${formatCount(p.files.done)} / ${formatCount(p.files.total)} · ${formatBytes(p.bytes.done)} / ${formatBytes(p.bytes.total)}`;
    case 'indexing':
      return p.indexed.total > 0 ? `${formatCount(p.indexed.done)} / ${formatCount(p.indexed.total)} indexed` : '—';
    case 'processing':
      return p.tasks ? `${p.tasks.succeeded} ok · ${p.tasks.running} running · ${p.tasks.failed} failed / ${p.tasks.total}` : '—';
    case 'export':
      return p.exportFiles ? `${formatCount(p.exportFiles.done)} / ${formatCount(p.exportFiles.total)} files${p.exportBytes ? ` · ${formatBytes(p.exportBytes.done)}` : ''}` : '—';
    case 'done':
      return '';
  }
}
