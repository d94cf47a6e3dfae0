// The item side panel: ids, output folder, created time, expiry countdown, actions, and five tabs.

import { useCallback, useEffect, useRef } from 'react';
import { formatDuration } from '../../../shared/format';
import { CopyId } from '../components/CopyId';
import { ErrorView } from '../components/ErrorView';
import { RowActions } from '../components/RowActions';
import { StagePipeline } from '../components/StagePipeline';
import { isMoving } from '../store/ordering';
import { useApp } from '../store/store-context';
import type { DetailTab } from '../store/types';
import { secondsUntil } from '../util/progress-math';
import { useNow } from '../util/use-now';
import { FilesTab } from './FilesTab';
import { JobTab } from './JobTab';
import { ProgressTab } from './ProgressTab';
import { ResultsTab } from './ResultsTab';
import { ShardsTab } from './ShardsTab';

const TABS: { tab: DetailTab; label: string }[] = [
  { tab: 'progress', label: 'Progress' },
  { tab: 'files', label: 'Files' },
  { tab: 'shards', label: 'Shards' },
  { tab: 'job', label: 'Job' },
  { tab: 'results', label: 'Results' },
];

export function ItemPanel() {
  const id = useApp((s) => s.selectedId);
  const item = useApp((s) => (s.selectedId ? s.items[s.selectedId] : undefined));
  const detail = useApp((s) => s.detail);
  const tab = useApp((s) => s.tab);
  const setTab = useApp((s) => s.setTab);
  const closeItem = useApp((s) => s.closeItem);
  const activeWorkspace = useApp((s) => s.profiles.find((p) => p.active)?.workspace);
  const refreshDetail = useApp((s) => s.refreshDetail);
  const now = useNow(1000);
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const panelRef = useRef<HTMLElement>(null);

  // Stages, tasks and logs come from the service; refresh them while the item is moving.
  const moving = item !== undefined && isMoving(item);
  useEffect(() => {
    if (!moving) return;
    const timer = setInterval(() => void refreshDetail(), 3000);
    return () => clearInterval(timer);
  }, [moving, refreshDetail]);

  // Closed, the panel hands keyboard focus back to the item's row, where the operator came from.
  const close = useCallback(() => {
    const row = id ? document.querySelector<HTMLElement>(`.qrow[data-item-id="${id}"]`) : null;
    closeItem();
    row?.focus();
  }, [id, closeItem]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // Not from inside a form: Escape there would throw away what the operator typed.
      const inForm = e.target instanceof Element && e.target.closest('form') !== null;
      if (e.key === 'Escape' && !inForm && !document.querySelector('.modal')) close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [close]);

  if (!id) return null;
  if (!item) {
    return (
      <aside className="panel" aria-label="Item">
        <div className="panel-title-row">
          <span />
          <button type="button" className="btn-icon" onClick={close} aria-label="Close item panel">
            ✕
          </button>
        </div>
        {detail?.status === 'error' && detail.error ? <ErrorView error={detail.error} onRetry={() => void refreshDetail()} /> : <p className="loading">Loading the item…</p>}
      </aside>
    );
  }
  const expiresIn = secondsUntil(item.expiresAt, now);
  const onTabKey = (e: React.KeyboardEvent, index: number) => {
    const next = e.key === 'ArrowRight' ? index + 1 : e.key === 'ArrowLeft' ? index - 1 : null;
    if (next == null) return;
    const wrapped = (next + TABS.length) % TABS.length;
    setTab(TABS[wrapped]!.tab);
    tabRefs.current[wrapped]?.focus();
    e.preventDefault();
  };
  return (
    <aside className="panel" aria-label={`Item ${item.name}`} ref={panelRef}>
      <header className="panel-head">
        <div className="panel-title-row">
          <h2 className="panel-title" title={item.roots.join('\n')}>
            {item.name}
          </h2>
          <button type="button" className="btn-icon" onClick={close} aria-label="Close item panel">
            ✕
          </button>
        </div>
        <StagePipeline stages={item.stages} compact={false} />
        <div className="panel-ids">
          <CopyId label="Batch" value={item.batchId} />
          {item.videoBatchId ? <CopyId label="Video batch" value={item.videoBatchId} /> : null}
          {item.jobId ? <CopyId label="Job" value={item.jobId} /> : null}
        </div>
        {item.outDir ? (
          <p className="panel-meta panel-out">
            Output <span className="mono" title={item.outDir}>{item.outDir}</span>
          </p>
        ) : null}
        <p className="panel-meta">
          Created <time dateTime={item.createdAt}>{new Date(item.createdAt).toLocaleString()}</time>
          {item.workspace ? <WorkspaceNote workspace={item.workspace} active={activeWorkspace} /> : null}
          {expiresIn != null && expiresIn < 24 * 3600 ? (
            <span className={`expiry${expiresIn <= 0 ? ' text-failed' : ' text-waiting'}`}>
              {expiresIn > 0 ? ` · Inputs expire in ${formatDuration(expiresIn)}` : ' · Inputs have expired on the service'}
            </span>
          ) : null}
        </p>
        {item.warnings.length > 0 ? (
          <ul className="warnings">
            {item.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        ) : null}
        <RowActions item={item} className="panel-actions" />
      </header>
      <div className="tabs" role="tablist" aria-label="Item views">
        {TABS.map((t, index) => (
          <button
            key={t.tab}
            ref={(el) => {
              tabRefs.current[index] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.tab}`}
            aria-selected={tab === t.tab}
            aria-controls={`tabpanel-${t.tab}`}
            tabIndex={tab === t.tab ? 0 : -1}
            className={`tab${tab === t.tab ? ' tab-active' : ''}`}
            onClick={() => setTab(t.tab)}
            onKeyDown={(e) => onTabKey(e, index)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="tabpanel" role="tabpanel" id={`tabpanel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {/* keyed by item: a form or list left open must not carry one item's state over to the next */}
        {tab === 'progress' ? (
          <ProgressTab key={item.id} item={item} />
        ) : tab === 'files' ? (
          <FilesTab key={item.id} item={item} />
        ) : tab === 'shards' ? (
          <ShardsTab key={item.id} item={item} />
        ) : tab === 'job' ? (
          <JobTab key={item.id} item={item} />
        ) : (
          <ResultsTab key={item.id} item={item} />
        )}
      </div>
    </aside>
  );
}

/** The item's workspace; flagged when the profile in use is another's, as the item then cannot go on. */
function WorkspaceNote({ workspace, active }: { workspace: string; active: string | undefined }) {
  const other = active !== undefined && active !== workspace;
  return (
    <span className={other ? 'text-waiting' : undefined} title={other ? `The profile in use is for workspace "${active}"; switch profiles in Settings to go on with this item.` : undefined}>
      {' · Workspace '}
      <strong>{workspace}</strong>
      {other ? ' (not the profile in use)' : null}
    </span>
  );
}
