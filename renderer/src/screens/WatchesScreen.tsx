// Watches: folders that keep creating items as files arrive, closed into batches by a rule.

import { useId, useState } from 'react';
import type { WatchSpec, WatchSummary, WatchState } from '../../../shared/domain';
import { formatCount } from '../util/fast-format';
import type { AppError } from '../../../shared/result';
import { ErrorView } from '../components/ErrorView';
import { useApp } from '../store/store-context';
import { useNow } from '../util/use-now';
import { secondsUntil } from '../util/progress-math';
import { formatDuration } from '../../../shared/format';
import { validateJobForm, formValuesFrom } from '../util/job-form';

const STATE_WORD: Record<WatchState, string> = {
  watching: 'Watching',
  polling: 'Polling',
  paused: 'Paused',
  'folder-missing': 'Folder missing',
  error: 'Error',
};

export function WatchesScreen() {
  const ids = useApp((s) => s.watchIds);
  const status = useApp((s) => s.watchStatus);
  const error = useApp((s) => s.watchError);
  const loadWatches = useApp((s) => s.loadWatches);
  const [editing, setEditing] = useState<WatchSummary | 'new' | null>(null);
  return (
    <section className="screen screen-scroll" aria-labelledby="watches-title">
      <header className="screen-head">
        <h1 id="watches-title">Watches</h1>
        <div className="screen-tools">
          <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
            Add watch
          </button>
        </div>
      </header>
      {/* keyed: the form's fields start from the watch it edits, not from the one open before */}
      {editing ? <WatchForm key={editing === 'new' ? 'new' : editing.id} watch={editing === 'new' ? null : editing} onClose={() => setEditing(null)} /> : null}
      {status === 'error' && error ? (
        <ErrorView error={error} onRetry={() => void loadWatches()} />
      ) : status !== 'ready' && ids.length === 0 ? (
        <p className="loading">Loading watches…</p>
      ) : ids.length === 0 ? (
        <div className="empty">
          <h2>No watches</h2>
          <p>A watch keeps an eye on a folder and sends every new image through your workflow, in batches, without anyone dropping anything.</p>
        </div>
      ) : (
        <table className="watch-table">
          <thead>
            <tr>
              <th scope="col">Folder</th>
              <th scope="col">State</th>
              <th scope="col" className="num">Waiting files</th>
              <th scope="col">Last batch</th>
              <th scope="col">Next close</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {ids.map((id) => (
              <WatchRow key={id} id={id} onEdit={setEditing} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function WatchRow({ id, onEdit }: { id: string; onEdit: (w: WatchSummary) => void }) {
  const watch = useApp((s) => s.watches[id]);
  const watchAction = useApp((s) => s.watchAction);
  const openItem = useApp((s) => s.openItem);
  const now = useNow(1000);
  if (!watch) return null;
  const closesIn = secondsUntil(watch.nextCloseAt, now);
  return (
    <tr className={`watch watch-${watch.state}`}>
      <td>
        <div className="mono watch-folder" title={watch.spec.folder}>
          {watch.spec.folder}
        </div>
        <div className="muted small">
          {watch.spec.filter} · workflow <span className="mono">{watch.spec.job.workflowId}</span> · {formatCount(watch.batchesCreated)} batches
        </div>
      </td>
      <td>
        <span className={`pill pill-${watch.state}`}>{STATE_WORD[watch.state]}</span>
        {watch.status ? <div className="muted small">{watch.status}</div> : null}
      </td>
      <td className="num">
        {formatCount(watch.pendingFiles)}
        {watch.waitingForWrite > 0 ? <div className="muted small">{formatCount(watch.waitingForWrite)} still being written</div> : null}
      </td>
      <td>
        {watch.lastBatchItemId ? (
          <button
            type="button"
            className="btn-link"
            onClick={() => openItem(watch.lastBatchItemId!)}
          >
            Show item
          </button>
        ) : (
          <span className="muted">none yet</span>
        )}
      </td>
      <td className="num">{closesIn != null ? (closesIn > 0 ? `in ${formatDuration(closesIn)}` : 'closing…') : <span className="muted">—</span>}</td>
      <td className="row-actions-static">
        {watch.state === 'paused' ? (
          <button type="button" className="btn btn-small" onClick={() => void watchAction('resume', id)}>
            Resume
          </button>
        ) : (
          <button type="button" className="btn btn-small" onClick={() => void watchAction('pause', id)}>
            Pause
          </button>
        )}
        <button type="button" className="btn btn-small" onClick={() => onEdit(watch)}>
          Edit
        </button>
        <button
          type="button"
          className="btn btn-small btn-quiet"
          onClick={() => {
            if (window.confirm(`Stop watching ${watch.spec.folder}? Items it created stay in the queue.`)) void watchAction('remove', id);
          }}
        >
          Remove
        </button>
      </td>
    </tr>
  );
}

function WatchForm({ watch, onClose }: { watch: WatchSummary | null; onClose: () => void }) {
  const settings = useApp((s) => s.settings);
  const addWatch = useApp((s) => s.addWatch);
  const updateWatch = useApp((s) => s.updateWatch);
  const base = useId();
  const spec = watch?.spec;
  const [folder, setFolder] = useState(spec?.folder ?? '');
  const [filter, setFilter] = useState<WatchSpec['filter']>(spec?.filter ?? 'images');
  const [workflowId, setWorkflowId] = useState(spec?.job.workflowId ?? settings?.defaultJob.workflowId ?? '');
  const [outDir, setOutDir] = useState(spec?.outDir ?? settings?.defaultOutDir ?? '');
  const [quiet, setQuiet] = useState(String(spec?.rule.quietSeconds ?? 60));
  const [maxFiles, setMaxFiles] = useState(String(spec?.rule.maxFiles ?? 5000));
  const [maxMinutes, setMaxMinutes] = useState(String(spec?.rule.maxMinutes ?? 30));
  const [reingest, setReingest] = useState(spec?.reingestChanged ?? false);
  const [prefix, setPrefix] = useState(spec?.batchPrefix ?? '');
  const [submitted, setSubmitted] = useState(false);
  const [failure, setFailure] = useState<AppError | null>(null);
  // Starting a watch can take seconds: a second click meanwhile would ask for a second watch.
  const [pending, setPending] = useState(false);

  const job = validateJobForm({ ...formValuesFrom({ ...(spec?.job ?? settings?.defaultJob ?? {}), jobId: undefined }, outDir), workflowId });
  const errors: Record<string, string> = {};
  if (!folder.trim()) errors.folder = 'Enter the folder to watch.';
  if (job.errors.workflowId) errors.workflowId = job.errors.workflowId;
  if (job.errors.outDir) errors.outDir = job.errors.outDir;
  const positive = (v: string) => /^\d+$/.test(v.trim()) && Number(v) > 0;
  if (!positive(quiet)) errors.quiet = 'Seconds, at least 1.';
  if (!positive(maxFiles)) errors.maxFiles = 'Files, at least 1.';
  if (!positive(maxMinutes)) errors.maxMinutes = 'Minutes, at least 1.';
  if (prefix && !/^[a-z0-9_-]{1,30}$/.test(prefix)) errors.prefix = 'Up to 30 of a–z, 0–9, - and _.';

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (pending || Object.keys(errors).length || !job.job) return;
    const next: WatchSpec = {
      folder: folder.trim(),
      filter,
      job: job.job,
      outDir: outDir.trim(),
      rule: { quietSeconds: Number(quiet), maxFiles: Number(maxFiles), maxMinutes: Number(maxMinutes) },
      reingestChanged: reingest,
      batchPrefix: prefix || undefined,
    };
    setPending(true);
    const result = watch ? await updateWatch(watch.id, next) : await addWatch(next);
    setPending(false);
    if (result.ok) onClose();
    else setFailure(result.error);
  };
  const err = (key: string) => (submitted && errors[key] ? <p className="field-error">{errors[key]}</p> : null);

  return (
    <form className="watch-form card" onSubmit={submit} noValidate aria-label={watch ? 'Edit watch' : 'Add watch'}>
      <h2>{watch ? 'Edit watch' : 'Add a watch'}</h2>
      <div className="field">
        <label htmlFor={`${base}-folder`}>Folder</label>
        <input id={`${base}-folder`} className="input mono" value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="/data/incoming" />
        {err('folder')}
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${base}-filter`}>Files</label>
          <select id={`${base}-filter`} className="input" value={filter} onChange={(e) => setFilter(e.target.value as WatchSpec['filter'])}>
            <option value="images">Images</option>
            <option value="videos">Videos</option>
            <option value="all">Images and videos</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${base}-wf`}>Workflow id</label>
          <input id={`${base}-wf`} className="input mono" value={workflowId} onChange={(e) => setWorkflowId(e.target.value)} />
          {err('workflowId')}
        </div>
      </div>
      <div className="field">
        <label htmlFor={`${base}-out`}>Output folder</label>
        <input id={`${base}-out`} className="input mono" value={outDir} onChange={(e) => setOutDir(e.target.value)} />
        {err('outDir')}
      </div>
      <fieldset>
        <legend>Close a batch after</legend>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${base}-quiet`}>Quiet for (s)</label>
            <input id={`${base}-quiet`} className="input" inputMode="numeric" value={quiet} onChange={(e) => setQuiet(e.target.value)} />
            {err('quiet')}
          </div>
          <div className="field">
            <label htmlFor={`${base}-files`}>or files</label>
            <input id={`${base}-files`} className="input" inputMode="numeric" value={maxFiles} onChange={(e) => setMaxFiles(e.target.value)} />
            {err('maxFiles')}
          </div>
          <div className="field">
            <label htmlFor={`${base}-min`}>or minutes</label>
            <input id={`${base}-min`} className="input" inputMode="numeric" value={maxMinutes} onChange={(e) => setMaxMinutes(e.target.value)} />
            {err('maxMinutes')}
          </div>
        </div>
      </fieldset>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${base}-prefix`}>Batch id prefix</label>
          <input id={`${base}-prefix`} className="input mono" value={prefix} onChange={(e) => setPrefix(e.target.value)} placeholder="optional" />
          {err('prefix')}
        </div>
        <div className="field-check">
          <input id={`${base}-re`} type="checkbox" checked={reingest} onChange={(e) => setReingest(e.target.checked)} />
          <label htmlFor={`${base}-re`}>Send files again when they change</label>
        </div>
      </div>
      {failure ? <ErrorView error={failure} compact /> : null}
      <div className="form-actions">
        <button type="button" className="btn btn-quiet" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {watch ? 'Save watch' : 'Start watching'}
        </button>
      </div>
    </form>
  );
}
