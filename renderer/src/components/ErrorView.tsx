// An error in plain words with the next step; technical detail only behind a disclosure.

import type { AppError } from '../../../shared/result';

export function ErrorView({ error, onRetry, retryLabel = 'Try again', compact = false }: { error: AppError; onRetry?: () => void; retryLabel?: string; compact?: boolean }) {
  return (
    <div className={`error-view${compact ? ' error-compact' : ''}`} role="alert">
      <p className="error-message">{error.message}</p>
      {error.retryable ? <p className="error-hint">This kind of failure is usually temporary; retrying is safe and redoes nothing already done.</p> : null}
      <div className="error-actions">
        {onRetry ? (
          <button type="button" className="btn" onClick={onRetry}>
            {retryLabel}
          </button>
        ) : null}
        <details className="error-details">
          <summary>Details</summary>
          <pre>
            {`code: ${error.code}`}
            {error.detail ? `\n${error.detail}` : ''}
          </pre>
        </details>
      </div>
    </div>
  );
}
