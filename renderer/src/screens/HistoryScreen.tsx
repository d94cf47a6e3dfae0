// Finished items (done, failed, cancelled), newest first.

import { useEffect } from 'react';
import { ErrorView } from '../components/ErrorView';
import { useApp } from '../store/store-context';
import { ItemList } from './QueueScreen';
import { plural } from '../util/describe';

export function HistoryScreen() {
  const ids = useApp((s) => s.historyIds); // replaced, never changed in place: no shallow compare
  const status = useApp((s) => s.historyStatus);
  const error = useApp((s) => s.historyError);
  const loadHistory = useApp((s) => s.loadHistory);
  const clearHistory = useApp((s) => s.clearHistory);
  useEffect(() => {
    if (status === 'idle') void loadHistory();
  }, [status, loadHistory]);
  return (
    <section className="screen" aria-labelledby="history-title">
      <header className="screen-head">
        <h1 id="history-title">History</h1>
        <span className="screen-sub num">{ids.length > 0 ? plural(ids.length, 'finished item') : ''}</span>
        <div className="screen-tools">
          {ids.length > 0 ? (
            <button
              type="button"
              className="btn btn-quiet"
              onClick={() => {
                if (window.confirm('Clear the history? Output folders and results on disk are kept.')) void clearHistory();
              }}
            >
              Clear history
            </button>
          ) : null}
        </div>
      </header>
      {status === 'error' && error ? (
        <ErrorView error={error} onRetry={() => void loadHistory()} />
      ) : status !== 'ready' ? (
        <p className="loading">Loading history…</p>
      ) : ids.length === 0 ? (
        <div className="empty">
          <h2>Nothing finished yet</h2>
          <p>Items appear here once they are done, failed or cancelled, with their results and rejections.</p>
        </div>
      ) : (
        <ItemList ids={ids} label="History" />
      )}
    </section>
  );
}
