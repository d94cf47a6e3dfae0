// Drop anywhere: a full-window overlay while dragging, then the item is created at once and the quick
// count ("3 folders · 12,408 images · 1.9 GB → new item") is shown. Browsers give no paths, so in
// web mode the drop opens the path field instead.

import { useEffect, useRef, useState } from 'react';
import { useApp } from '../store/store-context';
import { describePreview } from '../util/describe';
import { PathDialog, useAddRoots } from './AddFolder';

type Phase =
  | { kind: 'idle' }
  | { kind: 'dragging'; count: number }
  | { kind: 'counting'; count: number }
  | { kind: 'added'; line: string }
  | { kind: 'failed'; message: string }
  | { kind: 'needs-path'; names: string[] };

export function DropOverlay() {
  const api = useApp((s) => s.api);
  const addRoots = useAddRoots();
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const depth = useRef(0);
  const canSeePaths = typeof api.pathsForDroppedFiles === 'function';

  useEffect(() => {
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth.current++;
      setPhase({ kind: 'dragging', count: e.dataTransfer?.items.length ?? 0 });
    };
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const onLeave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setPhase((p) => (p.kind === 'dragging' ? { kind: 'idle' } : p));
    };
    const onDrop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth.current = 0;
      const files = Array.from(e.dataTransfer?.files ?? []);
      if (!canSeePaths) {
        setPhase({ kind: 'needs-path', names: files.map((f) => f.name) });
        return;
      }
      const paths = api.pathsForDroppedFiles!(files).filter(Boolean);
      if (paths.length === 0) {
        setPhase({ kind: 'needs-path', names: files.map((f) => f.name) });
        return;
      }
      setPhase({ kind: 'counting', count: paths.length });
      // The item is created at once; the count only tells the operator what was added, so it waits
      // for the item's answer too: a drop that was refused must not read "Added".
      void Promise.all([addRoots(paths), api['queue:preview']({ paths })]).then(([added, preview]) => {
        if (!added.ok) setPhase({ kind: 'failed', message: added.error.message });
        else setPhase({ kind: 'added', line: preview.ok ? describePreview(preview.value) : `${paths.length} added → new item` });
        setTimeout(() => setPhase((p) => (p.kind === 'added' || p.kind === 'failed' ? { kind: 'idle' } : p)), 1800);
      });
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, [api, addRoots, canSeePaths]);

  if (phase.kind === 'needs-path') {
    const names = phase.names.slice(0, 3).map((n) => `“${n}”`).join(', ');
    return (
      <PathDialog
        onClose={() => setPhase({ kind: 'idle' })}
        note={`A browser does not reveal where dropped folders live on disk${names ? ` (${names})` : ''}. Type the folder's path instead.`}
      />
    );
  }
  if (phase.kind === 'idle') return null;
  return (
    <div className="drop-overlay" role="status" aria-live="polite">
      <div className="drop-card">
        <div className="drop-icon" aria-hidden="true" />
        {phase.kind === 'dragging' ? (
          <>
            <p className="drop-title">Drop to add {phase.count > 1 ? `${phase.count} folders or files` : 'this folder'} as a new item</p>
            <p className="drop-sub">
              {canSeePaths ? 'Scanning starts at once; the count appears after the drop.' : 'In a browser you will be asked for the folder path.'}
            </p>
          </>
        ) : phase.kind === 'counting' ? (
          <p className="drop-title">Counting…</p>
        ) : phase.kind === 'failed' ? (
          <>
            <p className="drop-title">Not added to the queue</p>
            <p className="drop-sub">{phase.message}</p>
          </>
        ) : (
          <>
            <p className="drop-title num">{phase.line}</p>
            <p className="drop-sub">Added to the queue; scanning in the background.</p>
          </>
        )}
      </div>
    </div>
  );
}
