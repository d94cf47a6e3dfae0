// The job of an item: its stages and tasks as the service reports them, logs (open on failure),
// abort and restart; or the form to start one when the item has none.

import { useEffect, useState } from 'react';
import type { ItemSummary, JobLogRow, JobOptions, RestartOverrides } from '../../../shared/domain';
import { WORKERS_PER_MACHINE } from '../../../shared/limits';
import type { AppError } from '../../../shared/result';
import { ErrorView } from '../components/ErrorView';
import { ProgressBar } from '../components/ProgressBar';
import { failedJobOf } from '../components/RowActions';
import { useApp, useAppStore } from '../store/store-context';
import { JobForm } from './JobForm';

export function JobTab({ item }: { item: ItemSummary }) {
  const detail = useApp((s) => (s.detail?.id === item.id ? s.detail : null));
  const api = useApp((s) => s.api);
  const itemAction = useApp((s) => s.itemAction);
  const [logs, setLogs] = useState<JobLogRow[] | null>(null);
  const [logsError, setLogsError] = useState<AppError | null>(null);
  const [restarting, setRestarting] = useState(false);
  const [starting, setStarting] = useState(false);
  const failed = item.stages.processing === 'failed' || item.state === 'failed';

  useEffect(() => {
    if (!item.jobId) return;
    let current = true;
    void api['item:logs']({ id: item.id }).then((r) => {
      if (!current) return;
      // A later success replaces an earlier failure: one transient error must not hide the logs for good.
      if (r.ok) {
        setLogs(r.value);
        setLogsError(null);
      } else setLogsError(r.error);
    });
    return () => {
      current = false;
    };
  }, [api, item.id, item.jobId, item.updatedAt]);

  const planned = detail?.value?.job;
  if (!item.jobId) {
    // Changing options starts from the item's own job, not Settings' default (that would swap the workflow).
    if (starting) return <JobForm itemId={item.id} job={planned} onDone={() => setStarting(false)} onCancel={() => setStarting(false)} />;
    return (
      <div className="cta">
        <p>{item.pipeline === 'ingest' ? 'No job yet: this item is ingest only.' : 'The job starts once the batch is indexed.'}</p>
        {planned ? <JobSummary job={planned} /> : null}
        {item.state !== 'cancelled' ? (
          // Not before the item's job has loaded: the form would start from the default job instead.
          <button type="button" className="btn btn-primary" disabled={detail?.status === 'loading'} onClick={() => setStarting(true)}>
            {item.pipeline === 'ingest' ? 'Start processing…' : 'Change job options…'}
          </button>
        ) : null}
      </div>
    );
  }
  const stages = detail?.value?.stages ?? [];
  const jobActive = item.stages.processing === 'active';
  return (
    <div className="job-tab">
      <div className="job-tools">
        {jobActive ? (
          <button
            type="button"
            className="btn btn-small btn-quiet"
            onClick={() => {
              if (window.confirm('Abort the job on the service? Tasks in flight are stopped.')) void itemAction('abort-job', item.id);
            }}
          >
            Abort job
          </button>
        ) : null}
        {/* Main restarts only a job that failed on the service: a done job's restart would be refused. */}
        {failedJobOf(item) ? (
          <button type="button" className="btn btn-small" onClick={() => setRestarting((r) => !r)} aria-expanded={restarting}>
            Restart job…
          </button>
        ) : null}
      </div>
      {planned ? <JobSummary job={planned} /> : null}
      {restarting ? <RestartForm itemId={item.id} onDone={() => setRestarting(false)} /> : null}
      {detail?.status === 'error' && detail.error ? <ErrorView error={detail.error} compact /> : null}
      {stages.length === 0 ? (
        <p className="empty-line">{detail?.status === 'loading' ? 'Loading the job…' : 'The service has not reported any stage yet.'}</p>
      ) : (
        <table className="job-stages">
          <thead>
            <tr>
              <th scope="col">Stage</th>
              <th scope="col">Status</th>
              <th scope="col">Tasks</th>
              <th scope="col" className="num">Done / total</th>
            </tr>
          </thead>
          <tbody>
            {stages.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td title={s.notification}>{s.statusType}</td>
                <td className="stage-bar">
                  <ProgressBar fraction={s.tasks.total > 0 ? s.tasks.fraction : null} label={`${s.name} tasks`} tone={s.tasks.failed > 0 ? 'failed' : s.tasks.total > 0 && s.tasks.succeeded === s.tasks.total ? 'done' : 'active'} />
                </td>
                <td className="num">
                  {s.tasks.succeeded + s.tasks.failed} / {s.tasks.total}
                  {s.tasks.failed > 0 ? <span className="text-failed"> · {s.tasks.failed} failed</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <details className="logs" open={failed}>
        <summary>Logs{logs ? ` (${logs.length})` : ''}</summary>
        {logsError ? (
          <ErrorView error={logsError} compact />
        ) : !logs ? (
          <p className="loading">Loading logs…</p>
        ) : logs.length === 0 ? (
          <p className="empty-line">No log entries.</p>
        ) : (
          <ol className="log-list">
            {logs.map((l, i) => (
              <li key={i} className={`log log-${l.severity}`}>
                <time className="num">{new Date(l.createdAt).toLocaleTimeString()}</time>
                <span className="log-sev">{l.severity}</span>
                <span className="log-msg">{l.message}</span>
              </li>
            ))}
          </ol>
        )}
      </details>
    </div>
  );
}

/** The job's options in one line: what runs, where, how. */
function JobSummary({ job }: { job: JobOptions }) {
  const parts = [
    job.machineType ? job.machineType.toUpperCase() : null,
    job.workersPerMachine ? `${job.workersPerMachine} workers/machine` : null,
    job.maxParallelTasks ? `≤ ${job.maxParallelTasks} parallel tasks` : null,
    job.aggregationFormat ? `results as ${job.aggregationFormat.toUpperCase()}` : null,
  ].filter(Boolean);
  return (
    <p className="job-summary">
      Workflow <code className="mono">{job.workflowId}</code>
      {parts.length ? ` · ${parts.join(' · ')}` : ''}
    </p>
  );
}

function RestartForm({ itemId, onDone }: { itemId: string; onDone: () => void }) {
  const store = useAppStore();
  const [machineType, setMachineType] = useState<'' | 'cpu' | 'gpu'>('');
  const [workers, setWorkers] = useState('');
  const [failure, setFailure] = useState<AppError | null>(null);
  // A restart runs the job again, paid: one request at a time, whatever the clicks.
  const [sending, setSending] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (sending) return;
    const overrides: RestartOverrides = {};
    if (machineType) overrides.machineType = machineType;
    if (workers.trim()) overrides.workersPerMachine = Number(workers.trim());
    const { api, applyItem } = store.getState();
    setSending(true);
    const result = await api['item:restart-job']({ id: itemId, overrides });
    setSending(false);
    if (!result.ok) return setFailure(result.error);
    applyItem(result.value);
    onDone();
  };
  return (
    <form className="restart-form" onSubmit={submit} aria-label="Restart job">
      <label>
        Machine
        <select className="input" value={machineType} onChange={(e) => setMachineType(e.target.value as '' | 'cpu' | 'gpu')}>
          <option value="">As before</option>
          <option value="cpu">CPU</option>
          <option value="gpu">GPU</option>
        </select>
      </label>
      <label>
        Workers per machine
        <select className="input" value={workers} onChange={(e) => setWorkers(e.target.value)}>
          <option value="">As before</option>
          {WORKERS_PER_MACHINE.map((w) => (
            <option key={w} value={String(w)}>
              {w}
            </option>
          ))}
        </select>
      </label>
      {failure ? <ErrorView error={failure} compact /> : null}
      <button type="submit" className="btn btn-primary btn-small" disabled={sending}>
        {sending ? 'Restarting…' : 'Restart'}
      </button>
    </form>
  );
}
