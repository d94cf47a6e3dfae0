// An id in monospace with a copy button (batch and job ids are what operators paste into tickets).

import { useEffect, useState } from 'react';

const FEEDBACK = { idle: 'Copy', copied: 'Copied', failed: "Couldn't copy" } as const;

export function CopyId({ label, value }: { label: string; value: string }) {
  const [status, setStatus] = useState<keyof typeof FEEDBACK>('idle');
  // Feedback shows briefly, then the button reads "Copy" again.
  useEffect(() => {
    if (status === 'idle') return;
    const timer = setTimeout(() => setStatus('idle'), status === 'failed' ? 2500 : 1200);
    return () => clearTimeout(timer);
  }, [status]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setStatus('copied');
    } catch {
      // The clipboard can be refused (permission, insecure origin): say so, or the operator pastes
      // whatever was there before. The id stays selectable by hand.
      setStatus('failed');
    }
  };
  return (
    <span className="copy-id">
      <span className="copy-id-label">{label}</span>
      <code className="mono">{value}</code>
      <button
        type="button"
        className="btn-icon"
        onClick={copy}
        aria-label={`Copy ${label.toLowerCase()}`}
        title={status === 'failed' ? 'The clipboard refused it: select the id and copy it by hand.' : undefined}
      >
        {FEEDBACK[status]}
      </button>
    </span>
  );
}
