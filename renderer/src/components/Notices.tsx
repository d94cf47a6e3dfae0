// Notices from main and from failed actions, stacked bottom-left of the work area (clear of the item
// panel); info and warnings fade by themselves, errors stay until dismissed.

import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store/store-context';
import type { Notice } from '../store/types';

export function Notices() {
  const notices = useApp(useShallow((s) => s.notices));
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <NoticeCard key={n.id} notice={n} />
      ))}
    </div>
  );
}

function NoticeCard({ notice }: { notice: Notice }) {
  const dismiss = useApp((s) => s.dismissNotice);
  const openItem = useApp((s) => s.openItem);
  useEffect(() => {
    // Errors stay until dismissed; the rest fade so they never sit on top of work for long.
    if (notice.level === 'error') return;
    const timer = setTimeout(() => dismiss(notice.id), notice.level === 'info' ? 6000 : 12000);
    return () => clearTimeout(timer);
  }, [notice, dismiss]);
  return (
    <div className={`notice notice-${notice.level}`} role={notice.level === 'error' ? 'alert' : 'status'}>
      <p>{notice.message}</p>
      {notice.error?.detail ? (
        <details className="error-details">
          <summary>Details</summary>
          <pre>{`code: ${notice.error.code}\n${notice.error.detail}`}</pre>
        </details>
      ) : null}
      <div className="notice-actions">
        {notice.itemId ? (
          <button type="button" className="btn-link" onClick={() => openItem(notice.itemId!)}>
            Show item
          </button>
        ) : null}
        <button type="button" className="btn-link" onClick={() => dismiss(notice.id)}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
