// First run: an API key (checked against the service, which tells us the workspace), or the offline
// demo. Without a keychain we say so plainly and offer to keep the key in memory for this session.
// Settings cannot be reached before a profile exists, so the service's region is chosen here too.

import { useId, useState } from 'react';
import type { ProfileSummary } from '../../../shared/domain';
import { REGIONS } from '../../../shared/regions';
import type { AppError } from '../../../shared/result';
import { ErrorView } from '../components/ErrorView';
import { RegionChoice, apiUrlProblem, regionOf, urlForRegion, type Region } from '../components/RegionChoice';
import { useApp } from '../store/store-context';

export function FirstRun() {
  const keychain = useApp((s) => s.keychain);
  const info = useApp((s) => s.info);
  const addProfile = useApp((s) => s.addProfile);
  const useDemo = useApp((s) => s.useDemo);
  const finishFirstRun = useApp((s) => s.finishFirstRun);
  const saveSettings = useApp((s) => s.saveSettings);
  const settingsUrl = useApp((s) => s.settings?.apiUrl ?? REGIONS[0].url);
  const [apiKey, setApiKey] = useState('');
  const [apiUrl, setApiUrl] = useState(settingsUrl);
  // Custom stays chosen while the operator types, even through an address that is a region's.
  const [custom, setCustom] = useState(() => regionOf(settingsUrl) === 'custom');
  const [inMemory, setInMemory] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [connected, setConnected] = useState<ProfileSummary | null>(null);
  const keyId = useId();
  const memoryId = useId();
  const urlId = useId();
  const region: Region = custom ? 'custom' : regionOf(apiUrl);
  const urlProblem = apiUrlProblem(apiUrl);
  const needsMemoryChoice = !keychain.available;
  const canSubmit = apiKey.trim().length > 0 && !urlProblem && (!needsMemoryChoice || inMemory) && !busy;
  const pickRegion = (next: Region) => {
    setCustom(next === 'custom');
    setApiUrl(urlForRegion(next, apiUrl));
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!canSubmit) return;
    setBusy(true);
    setError(null);
    // The key is checked against, and later sent only to, this address (main keeps it with the profile).
    const url = apiUrl.trim().replace(/\/+$/, '');
    const result = await addProfile({ apiKey: apiKey.trim(), apiUrl: url, storage: needsMemoryChoice ? 'memory' : 'keychain' });
    // The region chosen here is the operator's: profiles added later start from it too.
    if (result.ok && url !== settingsUrl) await saveSettings({ apiUrl: url });
    setBusy(false);
    if (result.ok) {
      setApiKey('');
      setConnected(result.value);
    } else setError(result.error);
  };

  const demo = async () => {
    setBusy(true);
    setError(null);
    const result = await useDemo();
    setBusy(false);
    if (result.ok) setConnected(result.value);
    else setError(result.error);
  };

  return (
    <main className="first-run">
      <div className="first-card">
        <div className="brand-row">
          <span className="rail-logo" aria-hidden="true" />
          <h1>Batch Desk</h1>
        </div>
        <p className="lead">Send folders of images and videos through Roboflow Batch Processing and get the results back next to your files.</p>
        {connected ? (
          <div className="connected" role="status">
            <p>
              Connected to workspace <strong>{connected.workspace}</strong>
            </p>
            <p className="muted mono">{connected.maskedKey}</p>
            <p className="muted">{connected.storage === 'keychain' ? 'The key is stored in the system keychain.' : connected.storage === 'memory' ? 'The key is kept in memory until Batch Desk stops.' : 'The key comes from the environment.'}</p>
            <div className="form-actions">
              <button type="button" className="btn btn-primary" onClick={finishFirstRun} autoFocus>
                Open the queue
              </button>
            </div>
          </div>
        ) : (
          <form onSubmit={submit} aria-label="Add an API key">
            <label htmlFor={keyId}>Roboflow API key</label>
            <input
              id={keyId}
              className="input mono"
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
              placeholder="Paste the private key from Settings › API keys in Roboflow"
            />
            {needsMemoryChoice ? (
              <div className="keychain-note" role="note">
                <p>{keychain.message ?? 'No system keychain is available on this machine, so the key cannot be stored safely.'}</p>
                <div className="field-check">
                  <input id={memoryId} type="checkbox" checked={inMemory} onChange={(e) => setInMemory(e.target.checked)} />
                  <label htmlFor={memoryId}>Keep the key in memory for this session only</label>
                </div>
              </div>
            ) : (
              <p className="field-hint">The key is checked with Roboflow, then stored in the system keychain; it never leaves this machine otherwise.</p>
            )}
            <div className="service-line">
              <span className="service-label">Service</span>
              <RegionChoice region={region} onChange={pickRegion} />
            </div>
            {region === 'custom' ? (
              <div className={`field service-url${urlProblem ? ' field-invalid' : ''}`}>
                <label htmlFor={urlId}>API address</label>
                <input id={urlId} className="input mono" value={apiUrl} onChange={(e) => setApiUrl(e.target.value)} aria-invalid={urlProblem ? true : undefined} spellCheck={false} autoComplete="off" />
                {urlProblem ? <p className="field-error">{urlProblem}</p> : null}
              </div>
            ) : null}
            {error ? <ErrorView error={error} /> : null}
            <div className="form-actions">
              {info?.demoAvailable ? (
                <button type="button" className="btn btn-quiet" onClick={() => void demo()} disabled={busy}>
                  Try the offline demo
                </button>
              ) : null}
              <button type="submit" className="btn btn-primary" disabled={!canSubmit}>
                {busy ? 'Checking the key…' : 'Connect'}
              </button>
            </div>
          </form>
        )}
      </div>
    </main>
  );
}
