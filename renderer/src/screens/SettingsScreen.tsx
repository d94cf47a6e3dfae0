// Settings: where the service is, how transfers behave, what a drop does, what the desktop app does
// in the background (start at login, notifications), and the profiles (keys).

import { useEffect, useId, useState } from 'react';
import type { PipelineKind, Settings } from '../../../shared/domain';
import { workflowIdProblem } from '../../../shared/ids';
import { MIB, TRANSFER_LIMITS } from '../../../shared/limits';
import type { AppError } from '../../../shared/result';
import { ErrorView } from '../components/ErrorView';
import { RegionChoice, apiUrlProblem, regionOf, urlForRegion } from '../components/RegionChoice';
import { useApp } from '../store/store-context';
import { isAbsolutePath } from '../util/job-form';

const MB = 1_000_000;
const SHARD_MIB_MAX = TRANSFER_LIMITS.shardBytesMax / MIB;

interface Draft {
  apiUrl: string;
  concurrency: string;
  shardFiles: string;
  shardMegabytes: string;
  bandwidthMegabytes: string;
  defaultOutDir: string;
  workflowId: string;
  pipelineOnDrop: PipelineKind;
  startAtLogin: boolean;
  notifications: boolean;
}

function draftOf(s: Settings): Draft {
  return {
    apiUrl: s.apiUrl,
    concurrency: String(s.transfer.concurrency),
    shardFiles: String(s.transfer.shardFiles),
    shardMegabytes: String(Math.round(s.transfer.shardBytes / MIB)),
    bandwidthMegabytes: s.transfer.bandwidthLimit > 0 ? String(s.transfer.bandwidthLimit / MB) : '',
    defaultOutDir: s.defaultOutDir,
    workflowId: s.defaultJob.workflowId ?? '',
    pipelineOnDrop: s.pipelineOnDrop,
    startAtLogin: s.startAtLogin,
    notifications: s.notifications,
  };
}

export function checkDraft(d: Draft): Partial<Record<keyof Draft, string>> {
  const errors: Partial<Record<keyof Draft, string>> = {};
  const int = (v: string, min: number, max: number) => /^\d+$/.test(v.trim()) && Number(v) >= min && Number(v) <= max;
  const urlProblem = apiUrlProblem(d.apiUrl);
  if (urlProblem) errors.apiUrl = urlProblem;
  if (!int(d.concurrency, 1, TRANSFER_LIMITS.concurrency)) errors.concurrency = `From 1 to ${TRANSFER_LIMITS.concurrency} shards at a time.`;
  if (!int(d.shardFiles, 1, TRANSFER_LIMITS.shardFiles)) errors.shardFiles = `From 1 to ${TRANSFER_LIMITS.shardFiles} files per shard (the service limit).`;
  if (!int(d.shardMegabytes, 1, SHARD_MIB_MAX)) errors.shardMegabytes = `From 1 to ${SHARD_MIB_MAX} MiB (2 GiB).`;
  if (d.bandwidthMegabytes.trim() && !(Number(d.bandwidthMegabytes) > 0)) errors.bandwidthMegabytes = 'A positive number of MB/s, or empty for no cap.';
  const workflowProblem = d.workflowId.trim() && workflowIdProblem(d.workflowId.trim());
  if (workflowProblem) errors.workflowId = workflowProblem;
  // Empty means no default folder (drops are then ingested only); anything else must be a full path.
  if (d.defaultOutDir.trim() && !isAbsolutePath(d.defaultOutDir.trim())) errors.defaultOutDir = 'Give the full path of the folder, like /data/results, or leave it empty for none.';
  return errors;
}

export function SettingsScreen() {
  const settings = useApp((s) => s.settings);
  const saveSettings = useApp((s) => s.saveSettings);
  // Start at login and notifications belong to the desktop app; a browser on the web host has neither.
  const desktop = useApp((s) => s.info?.mode === 'desktop');
  const [draft, setDraft] = useState<Draft | null>(settings ? draftOf(settings) : null);
  const [saved, setSaved] = useState(false);
  const [failure, setFailure] = useState<AppError | null>(null);
  const base = useId();
  useEffect(() => {
    if (settings && !draft) setDraft(draftOf(settings));
  }, [settings, draft]);
  if (!settings || !draft) return <p className="loading">Loading settings…</p>;
  const errors = checkDraft(draft);
  const dirty = JSON.stringify(draft) !== JSON.stringify(draftOf(settings));
  const region = regionOf(draft.apiUrl);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setSaved(false);
    setDraft({ ...draft, [key]: value });
  };

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    if (Object.keys(errors).length) return;
    const result = await saveSettings({
      apiUrl: draft.apiUrl.trim().replace(/\/$/, ''),
      transfer: {
        ...settings.transfer,
        concurrency: Number(draft.concurrency),
        shardFiles: Number(draft.shardFiles),
        shardBytes: Number(draft.shardMegabytes) * MIB,
        bandwidthLimit: draft.bandwidthMegabytes.trim() ? Math.round(Number(draft.bandwidthMegabytes) * MB) : 0,
      },
      defaultOutDir: draft.defaultOutDir.trim(), // '' is "no default", as main takes it
      defaultJob: { ...settings.defaultJob, workflowId: draft.workflowId.trim() || undefined },
      pipelineOnDrop: draft.pipelineOnDrop,
      startAtLogin: draft.startAtLogin,
      notifications: draft.notifications,
    });
    if (result.ok) {
      setDraft(draftOf(result.value));
      setSaved(true);
      setFailure(null);
    } else setFailure(result.error);
  };

  const input = (key: keyof Draft, label: string, extra: React.InputHTMLAttributes<HTMLInputElement> = {}, hint?: string) => (
    <div className={`field${errors[key] ? ' field-invalid' : ''}`}>
      <label htmlFor={`${base}-${key}`}>{label}</label>
      <input {...extra} id={`${base}-${key}`} className={`input${extra.className ? ` ${extra.className}` : ''}`} value={draft[key] as string} onChange={(e) => set(key, e.target.value as never)} aria-invalid={errors[key] ? true : undefined} spellCheck={false} />
      {errors[key] ? <p className="field-error">{errors[key]}</p> : hint ? <p className="field-hint">{hint}</p> : null}
    </div>
  );

  return (
    <section className="screen screen-scroll" aria-labelledby="settings-title">
      <header className="screen-head">
        <h1 id="settings-title">Settings</h1>
      </header>
      <div className="settings">
        <form onSubmit={save} className="settings-form" aria-label="Settings">
          <fieldset>
            <legend>Service</legend>
            <RegionChoice region={region} onChange={(r) => set('apiUrl', urlForRegion(r, draft.apiUrl))} />
            {/* Main sends a saved profile's key only to the address it was checked against. */}
            {input('apiUrl', 'API address', { className: 'mono' }, 'For profiles added from now on; each profile keeps the address it was added with.')}
          </fieldset>
          <fieldset>
            <legend>Transfers</legend>
            <div className="field-row">
              {input('concurrency', 'Shards in parallel', { inputMode: 'numeric' })}
              {input('shardFiles', 'Files per shard', { inputMode: 'numeric' })}
              {input('shardMegabytes', 'Shard size (MiB)', { inputMode: 'numeric' })}
            </div>
            {input('bandwidthMegabytes', 'Bandwidth cap (MB/s)', { inputMode: 'decimal', placeholder: 'no cap' }, 'Shared by all uploads and downloads.')}
          </fieldset>
          <fieldset>
            <legend>When folders are dropped</legend>
            <div className="field-check">
              <input id={`${base}-full`} type="radio" name="pipeline" checked={draft.pipelineOnDrop === 'full'} onChange={() => set('pipelineOnDrop', 'full')} />
              <label htmlFor={`${base}-full`}>Run the whole pipeline: upload, process with the default workflow, download the results</label>
            </div>
            <div className="field-check">
              <input id={`${base}-ingest`} type="radio" name="pipeline" checked={draft.pipelineOnDrop === 'ingest'} onChange={() => set('pipelineOnDrop', 'ingest')} />
              <label htmlFor={`${base}-ingest`}>Ingest only: upload and index, start jobs by hand</label>
            </div>
            {input('workflowId', 'Default workflow id', { className: 'mono', placeholder: 'none — drops are ingested only' })}
            {input('defaultOutDir', 'Default output folder', { className: 'mono', placeholder: '/data/results' }, 'Each item writes its export and results.csv into a folder here.')}
          </fieldset>
          {desktop ? (
            <fieldset>
              <legend>In the background</legend>
              <div className="field-check">
                <input id={`${base}-login`} type="checkbox" checked={draft.startAtLogin} onChange={(e) => set('startAtLogin', e.target.checked)} />
                <label htmlFor={`${base}-login`}>Start Batch Desk when I log in, in the tray, so watched folders keep being sent</label>
              </div>
              <div className="field-check">
                <input id={`${base}-notify`} type="checkbox" checked={draft.notifications} onChange={(e) => set('notifications', e.target.checked)} />
                <label htmlFor={`${base}-notify`}>Notify me when an item finishes or fails</label>
              </div>
            </fieldset>
          ) : null}
          {failure ? <ErrorView error={failure} /> : null}
          <div className="form-actions">
            {saved && !dirty ? <span className="saved" role="status">Saved</span> : null}
            <button type="button" className="btn btn-quiet" disabled={!dirty} onClick={() => setDraft(draftOf(settings))}>
              Revert
            </button>
            <button type="submit" className="btn btn-primary" disabled={!dirty || Object.keys(errors).length > 0}>
              Save settings
            </button>
          </div>
        </form>
        <Profiles />
      </div>
    </section>
  );
}

function Profiles() {
  const profiles = useApp((s) => s.profiles);
  const keychain = useApp((s) => s.keychain);
  const selectProfile = useApp((s) => s.selectProfile);
  const removeProfile = useApp((s) => s.removeProfile);
  const addProfile = useApp((s) => s.addProfile);
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [inMemory, setInMemory] = useState(false);
  const [failure, setFailure] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const base = useId();
  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const result = await addProfile({ name: name.trim() || undefined, apiKey: key.trim(), storage: keychain.available ? 'keychain' : 'memory' });
    setBusy(false);
    if (result.ok) {
      setAdding(false);
      setKey('');
      setName('');
      setFailure(null);
    } else setFailure(result.error);
  };
  return (
    <section className="profiles" aria-labelledby={`${base}-title`}>
      <h2 id={`${base}-title`}>Profiles</h2>
      {!keychain.available ? <p className="keychain-note">{keychain.message ?? 'No system keychain is available; keys are kept in memory for this session only.'}</p> : null}
      <ul className="profile-list">
        {profiles.map((p) => (
          <li key={p.id} className={`profile${p.active ? ' profile-active' : ''}`}>
            <div>
              <div className="profile-name">
                {p.name} {p.active ? <span className="pill pill-active">Active</span> : null}
              </div>
              <div className="muted">
                Workspace <strong>{p.workspace}</strong> · <span className="mono">{p.maskedKey}</span> · {p.storage === 'keychain' ? 'keychain' : p.storage === 'memory' ? 'this session only' : 'environment'}
              </div>
              <div className="muted mono small">{p.apiUrl}</div>
            </div>
            <div className="profile-actions">
              {!p.active ? (
                <button type="button" className="btn btn-small" onClick={() => void selectProfile(p.id)}>
                  Use
                </button>
              ) : null}
              {p.storage !== 'environment' ? (
                <button
                  type="button"
                  className="btn btn-small btn-quiet"
                  onClick={() => {
                    if (window.confirm(`Remove the profile “${p.name}”? Its key is deleted from the keychain.`)) void removeProfile(p.id);
                  }}
                >
                  Remove
                </button>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
      {adding ? (
        <form onSubmit={add} className="add-profile" aria-label="Add a profile">
          <div className="field">
            <label htmlFor={`${base}-name`}>Name</label>
            <input id={`${base}-name`} className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Site A" />
          </div>
          <div className="field">
            <label htmlFor={`${base}-key`}>API key</label>
            <input id={`${base}-key`} className="input mono" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} />
          </div>
          {!keychain.available ? (
            <div className="field-check">
              <input id={`${base}-mem`} type="checkbox" checked={inMemory} onChange={(e) => setInMemory(e.target.checked)} />
              <label htmlFor={`${base}-mem`}>Keep the key in memory for this session only</label>
            </div>
          ) : null}
          {failure ? <ErrorView error={failure} compact /> : null}
          <div className="form-actions">
            <button type="button" className="btn btn-quiet" onClick={() => setAdding(false)}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={!key.trim() || busy || (!keychain.available && !inMemory)}>
              {busy ? 'Checking…' : 'Add profile'}
            </button>
          </div>
        </form>
      ) : (
        <button type="button" className="btn" onClick={() => setAdding(true)}>
          Add a profile
        </button>
      )}
    </section>
  );
}
