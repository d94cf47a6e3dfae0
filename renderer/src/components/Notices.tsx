// Notices from main and from failed actions, stacked bottom-right; info notices fade by themselves.

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
    if (notice.level !== 'info') return;
    const timer = setTimeout(() => dismiss(notice.id), 6000);
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
