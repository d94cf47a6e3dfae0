// "Add folder": the native picker in the desktop app; in a browser (no picker, no dropped paths)
// a path field with a live count of what the folder holds.

import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { DropPreview, ItemSummary } from '../../../shared/domain';
import type { AppError, Result } from '../../../shared/result';
import { useApp, useAppStore } from '../store/store-context';
import { specForRoots } from '../util/item-spec';
import { describePreview } from '../util/describe';
import { ErrorView } from './ErrorView';

/** Adds an item for `roots` as Settings say; tells the operator when it will only be ingested. */
export function useAddRoots(): (roots: string[]) => Promise<Result<ItemSummary>> {
  const store = useAppStore();
  return useCallback(async (roots: string[]) => {
    const { settings, addItem, pushNotice } = store.getState();
    const plan = specForRoots(roots, settings);
    const result = await addItem(plan.spec);
    if (!result.ok) {
      pushNotice({ level: 'error', message: result.error.message, error: result.error });
      return result;
    }
    if (plan.ingestOnlyReason) pushNotice({ level: 'warning', message: plan.ingestOnlyReason, itemId: result.value.id, untilJob: true });
    return result;
  }, [store]);
}

export function AddFolderButton({ primary = false }: { primary?: boolean }) {
  const api = useApp((s) => s.api);
  const mode = useApp((s) => s.info?.mode);
  const addRoots = useAddRoots();
  const [askPath, setAskPath] = useState(false);
  const pick = async () => {
    if (mode === 'web') {
      setAskPath(true);
      return;
    }
    const picked = await api['dialog:pick-folder']({ title: 'Add a folder to the queue' });
    if (picked.ok) {
      if (picked.value) await addRoots([picked.value]);
    } else {
      setAskPath(true);
    }
  };
  return (
    <>
      <button type="button" className={`btn${primary ? ' btn-primary' : ''}`} onClick={() => void pick()}>
        Add folder
      </button>
      {askPath ? <PathDialog onClose={() => setAskPath(false)} /> : null}
    </>
  );
}

export function PathDialog({ onClose, note }: { onClose: () => void; note?: string }) {
  const api = useApp((s) => s.api);
  const addRoots = useAddRoots();
  const inputId = useId();
  const [path, setPath] = useState('');
  const [preview, setPreview] = useState<DropPreview | null>(null);
  const [previewError, setPreviewError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => inputRef.current?.focus(), []);
  useEffect(() => {
    setPreview(null);
    setPreviewError(null);
    const trimmed = path.trim();
    if (!trimmed) return;
    let current = true;
    const timer = setTimeout(async () => {
      const result = await api['queue:preview']({ paths: [trimmed] });
      if (!current) return;
      if (result.ok) setPreview(result.value);
      else setPreviewError(result.error);
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [path, api]);

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const trimmed = path.trim();
    if (!trimmed) return;
    setBusy(true);
    const added = await addRoots([trimmed]);
    setBusy(false);
    if (added.ok) onClose();
  };

  return (
    <div className="modal-backdrop" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <form className="modal" role="dialog" aria-modal="true" aria-labelledby={`${inputId}-title`} onSubmit={submit}>
        <h2 id={`${inputId}-title`}>Add a folder</h2>
        {note ? <p className="muted">{note}</p> : null}
        <label htmlFor={inputId}>Folder path on the machine running Batch Desk</label>
        <input
          ref={inputRef}
          id={inputId}
          className="input mono"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          placeholder="/data/site-a/2026-11-28"
          spellCheck={false}
          autoComplete="off"
        />
        <p className="preview-line num" aria-live="polite">
          {preview ? describePreview(preview) : previewError ? null : path.trim() ? 'Counting…' : '\u00a0'}
        </p>
        {previewError ? <ErrorView error={previewError} compact /> : null}
        <div className="modal-actions">
          <button type="button" className="btn btn-quiet" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={!path.trim() || busy || previewError != null}>
            Add to queue
          </button>
        </div>
      </form>
    </div>
  );
}
