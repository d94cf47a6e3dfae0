// Start processing an item: every Workflow job option, from the item's planned job when it has one,
// else from Settings (the last choices); ids checked as they are typed.

import { useId, useState } from 'react';
import type { JobOptions } from '../../../shared/domain';
import type { AppError } from '../../../shared/result';
import { ErrorView } from '../components/ErrorView';
import { useApp, useAppStore } from '../store/store-context';
import { formValuesFrom, rememberedJob, validateJobForm, workersChoice, type JobFormValues } from '../util/job-form';
import { WORKERS_PER_MACHINE } from '../../../shared/limits';
import { itemOutDir } from '../util/item-spec';

const ADVANCED: (keyof JobFormValues)[] = ['jobName', 'maxParallelTasks', 'maxRuntimeSeconds', 'maxImageFailureRate', 'workflowParameters', 'maxVideoFps'];

export function JobForm({ itemId, job, onDone, onCancel }: { itemId: string; job?: JobOptions; onDone: () => void; onCancel: () => void }) {
  const store = useAppStore();
  const settings = useApp((s) => s.settings);
  const item = useApp((s) => s.items[itemId]);
  const [values, setValues] = useState<JobFormValues>(() => {
    const outDir = item?.outDir ?? (settings?.defaultOutDir ? itemOutDir(settings.defaultOutDir, item?.roots[0] ?? item?.name ?? 'item') : '');
    // The planned job keeps its own id (no job was created with it yet); a remembered one has none.
    return job ? { ...formValuesFrom(job, outDir), jobId: job.jobId ?? '' } : formValuesFrom(settings?.defaultJob ?? {}, outDir);
  });
  const [touched, setTouched] = useState<Partial<Record<keyof JobFormValues, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<AppError | null>(null);
  const [showAdvanced, setShowAdvanced] = useState(false);
  const base = useId();
  const { errors } = validateJobForm(values);
  const shown = (key: keyof JobFormValues) => ((touched[key] || submitted) && errors[key]) || undefined;

  const set = <K extends keyof JobFormValues>(key: K, value: JobFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    // Ids are checked as they are typed; other fields once left.
    if (key === 'workflowId' || key === 'jobId' || key === 'workflowParameters') setTouched((t) => ({ ...t, [key]: true }));
  };
  const blur = (key: keyof JobFormValues) => setTouched((t) => ({ ...t, [key]: true }));

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    const checked = validateJobForm(values);
    if (!checked.job || !checked.outDir) return;
    setBusy(true);
    setFailure(null);
    const { api, applyItem, saveSettings } = store.getState();
    const result = await api['item:start-job']({ id: itemId, job: checked.job, outDir: checked.outDir });
    setBusy(false);
    if (!result.ok) {
      setFailure(result.error);
      return;
    }
    applyItem(result.value);
    void saveSettings({ defaultJob: rememberedJob(checked.job) });
    onDone();
  };

  const field = (key: keyof JobFormValues, label: string, input: React.ReactNode, hint?: string) => {
    const error = shown(key);
    return (
      <div className={`field${error ? ' field-invalid' : ''}`}>
        <label htmlFor={`${base}-${key}`}>{label}</label>
        {input}
        {error ? (
          <p className="field-error" id={`${base}-${key}-error`}>
            {error}
          </p>
        ) : hint ? (
          <p className="field-hint">{hint}</p>
        ) : null}
      </div>
    );
  };
  const text = (key: keyof JobFormValues, extra: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <input
      {...extra}
      id={`${base}-${key}`}
      className={`input${extra.className ? ` ${extra.className}` : ''}`}
      value={values[key] as string}
      onChange={(e) => set(key, e.target.value as never)}
      onBlur={() => blur(key)}
      aria-invalid={shown(key) ? true : undefined}
      aria-describedby={shown(key) ? `${base}-${key}-error` : undefined}
      spellCheck={false}
      autoComplete="off"
    />
  );

  return (
    <form className="job-form" onSubmit={submit} noValidate aria-label="Start processing">
      <h3>Start processing</h3>
      {field('workflowId', 'Workflow id', text('workflowId', { className: 'mono', placeholder: 'detect-and-count' }))}
      {field('outDir', 'Output folder', text('outDir', { className: 'mono', placeholder: '/data/results' }), 'The export and results.csv are written here.')}
      <div className="field-row">
        {field(
          'machineType',
          'Machine',
          <select id={`${base}-machineType`} className="input" value={values.machineType} onChange={(e) => set('machineType', e.target.value as JobFormValues['machineType'])}>
            <option value="">Service default (CPU)</option>
            <option value="cpu">CPU</option>
            <option value="gpu">GPU</option>
          </select>,
        )}
        {field(
          'workersPerMachine',
          'Workers per machine',
          <select
            id={`${base}-workersPerMachine`}
            className="input"
            value={values.workersPerMachine}
            onChange={(e) => set('workersPerMachine', e.target.value)}
            onBlur={() => blur('workersPerMachine')}
            aria-invalid={shown('workersPerMachine') ? true : undefined}
            aria-describedby={shown('workersPerMachine') ? `${base}-workersPerMachine-error` : undefined}
          >
            <option value="">Service default</option>
            {WORKERS_PER_MACHINE.map((w) => (
              <option key={w} value={String(w)}>
                {w}
              </option>
            ))}
            {/* A remembered choice the service does not offer stays visible, marked, until changed. */}
            {workersChoice(values.workersPerMachine)[1] ? <option value={values.workersPerMachine}>{values.workersPerMachine} (not offered)</option> : null}
          </select>,
        )}
      </div>
      {field('jobId', 'Job id', text('jobId', { className: 'mono', placeholder: 'generated' }), 'Leave empty for a generated id (job-…). Up to 20 of a–z, 0–9, - and _.')}
      <button type="button" className="btn-link disclosure" aria-expanded={showAdvanced} onClick={() => setShowAdvanced((s) => !s)}>
        {showAdvanced ? 'Fewer options' : 'More options'}
      </button>
      {showAdvanced || (submitted && ADVANCED.some((k) => errors[k])) ? (
        <div className="advanced">
          {field('jobName', 'Job name', text('jobName'))}
          <div className="field-row">
            {field('maxParallelTasks', 'Parallel tasks', text('maxParallelTasks', { inputMode: 'numeric', placeholder: 'default' }))}
            {field('maxRuntimeSeconds', 'Runtime budget (s)', text('maxRuntimeSeconds', { inputMode: 'numeric', placeholder: 'default' }))}
          </div>
          <div className="field-row">
            {field('maxImageFailureRate', 'Max image failure rate', text('maxImageFailureRate', { inputMode: 'decimal', placeholder: '0–1' }))}
            {field(
              'aggregationFormat',
              'Results format',
              <select id={`${base}-aggregationFormat`} className="input" value={values.aggregationFormat} onChange={(e) => set('aggregationFormat', e.target.value as JobFormValues['aggregationFormat'])}>
                <option value="">Service default</option>
                <option value="jsonl">JSONL</option>
                <option value="csv">CSV</option>
              </select>,
            )}
          </div>
          {field('imageInputName', 'Image input name', text('imageInputName', { className: 'mono', placeholder: 'image' }))}
          {field(
            'workflowParameters',
            'Workflow parameters (JSON)',
            <textarea
              id={`${base}-workflowParameters`}
              className="input mono"
              rows={3}
              value={values.workflowParameters}
              onChange={(e) => set('workflowParameters', e.target.value)}
              aria-invalid={shown('workflowParameters') ? true : undefined}
              placeholder='{"confidence": 0.4}'
              spellCheck={false}
            />,
          )}
          <div className="field field-check">
            <input id={`${base}-persist`} type="checkbox" checked={values.persistImageOutputs} onChange={(e) => set('persistImageOutputs', e.target.checked)} />
            <label htmlFor={`${base}-persist`}>Keep image outputs of the Workflow</label>
          </div>
          {field('imageOutputsToSave', 'Image outputs to save', text('imageOutputsToSave', { className: 'mono', placeholder: 'all (comma-separated names)' }))}
          <div className="field-row">
            {field('partName', 'Batch part', text('partName', { className: 'mono' }))}
            {field('maxVideoFps', 'Max video FPS', text('maxVideoFps', { inputMode: 'decimal' }))}
          </div>
          {field(
            'inferenceBackend',
            'Inference backend',
            <select id={`${base}-inferenceBackend`} className="input" value={values.inferenceBackend} onChange={(e) => set('inferenceBackend', e.target.value as JobFormValues['inferenceBackend'])}>
              <option value="">Platform default</option>
              <option value="old-inference">old-inference</option>
              <option value="inference-models">inference-models</option>
            </select>,
          )}
        </div>
      ) : null}
      {failure ? <ErrorView error={failure} compact /> : null}
      <div className="form-actions">
        <button type="button" className="btn btn-quiet" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Starting…' : 'Start job'}
        </button>
      </div>
    </form>
  );
}

