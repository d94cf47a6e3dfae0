// The envelope every invoke channel returns. Errors never cross the IPC boundary as thrown
// exceptions (Electron keeps only the message); they travel as data with a stable code.

export type ErrorCode =
  | 'invalid-argument' // the caller sent something malformed; fix the input
  | 'not-found' // item, profile, watch or path does not exist
  | 'unauthorized' // the service refused the API key (401)
  | 'no-profile' // no API key configured yet
  | 'keychain-unavailable' // no OS keychain answers (e.g. no Secret Service on D-Bus)
  | 'network' // could not reach the service after retries
  | 'remote' // the service answered with an error
  | 'conflict' // e.g. a job id reused with a different definition (409)
  | 'io' // local disk: permission denied, disk full, vanished file
  | 'unsupported' // not available in this mode (e.g. native folder picker in web mode)
  | 'cancelled'
  | 'internal';

export interface AppError {
  code: ErrorCode;
  /** One plain sentence for the operator, with the next step when there is one. */
  message: string;
  /** Technical detail shown behind a disclosure; never contains the API key. */
  detail?: string;
  /** True when the app will (or can) retry by itself. */
  retryable?: boolean;
  /**
   * Set when the item failed because this job ended in failure on the service: retrying the item
   * restarts the job there, and it runs (and uses compute) again.
   */
  failedJobId?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, message: string, extra?: Omit<AppError, 'code' | 'message'>): Result<T> {
  return { ok: false, error: { code, message, ...extra } };
}
