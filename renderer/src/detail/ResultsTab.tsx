// The first rows of results.csv, where the results are, and a way to open the folder.

import { useCallback, useEffect, useState } from 'react';
import type { ItemSummary, ResultsPreview } from '../../../shared/domain';
import { formatCount } from '../util/fast-format';
import type { AppError } from '../../../shared/result';
import { ErrorView } from '../components/ErrorView';
import { useApp } from '../store/store-context';

export function ResultsTab({ item }: { item: ItemSummary }) {
  const api = useApp((s) => s.api);
  const itemAction = useApp((s) => s.itemAction);
  const [preview, setPreview] = useState<ResultsPreview | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [loading, setLoading] = useState(false);
  const root = item.roots.length === 1 ? item.roots[0]!.replace(/[\\/]+$/, '') : null;
  const hasResults = item.stages.export === 'done' || item.state === 'done';

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    const result = await api['item:results-preview']({ id: item.id, rows: 20 });
    setLoading(false);
    if (result.ok) setPreview(result.value);
    else setError(result.error);
  }, [api, item.id]);

  useEffect(() => {
    if (hasResults) void load();
  }, [hasResults, load, item.updatedAt]);

  if (item.pipeline === 'ingest' && !item.jobId) return <p className="empty-line">This item is ingest only; it has no results. Start processing from the Progress tab.</p>;
  if (!hasResults) return <p className="empty-line">Results appear here once the job has finished and its export is downloaded.</p>;
  if (error) return <ErrorView error={error} onRetry={() => void load()} />;
  if (!preview || loading) return <p className="loading">Reading results…</p>;
  return (
    <div className="results-tab">
      <div className="results-head">
        <code className="mono results-path" title={preview.path}>
          {preview.path}
        </code>
        <button type="button" className="btn btn-small" onClick={() => void itemAction('open-output', item.id)}>
          Open folder
        </button>
      </div>
      <p className="muted num">
        Showing {formatCount(preview.rows.length)} of {formatCount(preview.totalRows)} rows
      </p>
      <div className="results-scroll">
        <table className="results-table">
          <thead>
            <tr>
              {preview.columns.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((row, i) => (
              <tr key={i}>
                {row.map((cell, j) => (
                  <td key={j} title={cell}>
                    {shortenPath(cell, root)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** Paths under the item's folder are shown relative to it (the full path is in the tooltip). */
function shortenPath(cell: string, root: string | null): string {
  if (root && cell.length > root.length + 1 && cell.startsWith(root) && /[\\/]/.test(cell[root.length]!)) return `…${cell.slice(root.length)}`;
  return cell;
}
