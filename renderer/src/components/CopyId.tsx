// An id in monospace with a copy button (batch and job ids are what operators paste into tickets).

import { useState } from 'react';

export function CopyId({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1200);
    } catch {
      // Clipboard can be refused (insecure origin); the id stays selectable.
    }
  };
  return (
    <span className="copy-id">
      <span className="copy-id-label">{label}</span>
      <code className="mono">{value}</code>
      <button type="button" className="btn-icon" onClick={copy} aria-label={`Copy ${label.toLowerCase()}`}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </span>
  );
}
