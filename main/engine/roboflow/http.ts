// The one place that talks HTTP to the Roboflow API (undici). It adds the key, applies timeouts,
// retries what is worth retrying (connection errors, 408, 429 with Retry-After, 5xx) with full
// jitter, and turns failures into ApiErrors whose messages never contain the key.

import { Agent, request, type Dispatcher } from 'undici';
import type { ErrorCode } from '../../../shared/result';
import { formatDuration } from '../../../shared/format';
import { API_BACKOFF, backoffDelay, isRetryableStatus, parseRetryAfter, sleep, type BackoffPolicy } from '../retry';
import { redact, registerSecret } from '../secrets';
import { silentLogger, type Logger } from '../log';

export const DEFAULT_API_URL = 'https://api.roboflow.com';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly operation: string,
    readonly status?: number,
    readonly retryable = false,
    readonly body?: string,
    /** The service's own wait (`Retry-After`), ms: whoever retries must not come back sooner. */
    readonly retryAfterMs?: number,
  ) {
    super(redact(message));
    this.name = 'ApiError';
  }
}

export interface HttpOptions {
  apiUrl: string;
  apiKey: string;
  /** Connect timeout, ms (default 10 s). */
  connectTimeoutMs?: number;
  /** Per-request header and idle-body timeout, ms (default 60 s, as the official client). */
  requestTimeoutMs?: number;
  retry?: BackoffPolicy;
  /** The longest `Retry-After` sat out here (default RETRY_AFTER_MAX_MS); a longer one fails the call at once. */
  retryAfterMaxMs?: number;
  log?: Logger;
  dispatcher?: Dispatcher;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  /** JSON body; when undefined no body and no Content-Type are sent. */
  body?: unknown;
  signal?: AbortSignal;
  /** Set false for calls that must not be repeated blindly. Default true. */
  retry?: boolean;
  /** Statuses that are an answer, not an error (e.g. 404 when probing). */
  acceptStatus?: number[];
}

export interface JsonResponse<T> {
  status: number;
  body: T;
}

export class RoboflowHttp {
  readonly apiUrl: string;
  private readonly apiKey: string;
  private readonly dispatcher: Dispatcher;
  private readonly retry: BackoffPolicy;
  private readonly log: Logger;
  private readonly requestTimeoutMs: number;
  private readonly retryAfterMaxMs: number;

  constructor(opts: HttpOptions) {
    this.apiUrl = opts.apiUrl.replace(/\/+$/, '');
    this.apiKey = opts.apiKey;
    registerSecret(opts.apiKey);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.dispatcher =
      opts.dispatcher ??
      new Agent({
        connect: { timeout: opts.connectTimeoutMs ?? 10_000 },
        headersTimeout: this.requestTimeoutMs,
        bodyTimeout: this.requestTimeoutMs,
        keepAliveTimeout: 10_000,
        connections: 32,
      });
    this.retry = opts.retry ?? API_BACKOFF;
    this.retryAfterMaxMs = opts.retryAfterMaxMs ?? RETRY_AFTER_MAX_MS;
    this.log = opts.log ?? silentLogger;
  }

  /** Builds an API URL with the key; never log the result (use `redact`). */
  url(pathname: string, query: Query = {}): string {
    const u = new URL(this.apiUrl + (pathname.startsWith('/') ? pathname : `/${pathname}`));
    u.searchParams.set('api_key', this.apiKey);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
    return u.toString();
  }

  async json<T>(operation: string, method: 'GET' | 'POST', pathname: string, opts: RequestOptions = {}): Promise<T> {
    return (await this.jsonWithStatus<T>(operation, method, pathname, opts)).body;
  }

  async jsonWithStatus<T>(
    operation: string,
    method: 'GET' | 'POST',
    pathname: string,
    opts: RequestOptions = {},
  ): Promise<JsonResponse<T>> {
    const maxAttempts = opts.retry === false ? 1 : this.retry.maxAttempts;
    let lastError: ApiError | undefined;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (opts.signal?.aborted) throw new ApiError(`${operation}: cancelled`, 'cancelled', operation);
      try {
        return await this.once<T>(operation, method, pathname, opts);
      } catch (err) {
        const apiErr = toApiError(err, operation);
        if (!apiErr.retryable || attempt === maxAttempts - 1 || opts.signal?.aborted) throw apiErr;
        const waitHint = apiErr.retryAfterMs;
        if (waitHint !== undefined && waitHint > this.retryAfterMaxMs) {
          // Not sat out (adding a profile would hang for it): the operator is told how long, and a
          // caller that retries later (the uploader) finds the wait on the error.
          const wait = formatDuration(Math.round(waitHint / 1000));
          throw new ApiError(`${apiErr.message} The service asks to wait ${wait} before trying again.`, apiErr.code, operation, apiErr.status, true, apiErr.body, waitHint);
        }
        lastError = apiErr;
        const delay = waitHint ?? backoffDelay(attempt, this.retry);
        this.log.warn('retrying', { operation, attempt: attempt + 1, delayMs: delay, reason: apiErr.message });
        await sleep(delay, opts.signal).catch(() => undefined);
      }
    }
    throw lastError ?? new ApiError(`${operation}: failed`, 'network', operation);
  }

  private async once<T>(operation: string, method: string, pathname: string, opts: RequestOptions): Promise<JsonResponse<T>> {
    const hasBody = opts.body !== undefined;
    const res = await request(this.url(pathname, opts.query), {
      method: method as Dispatcher.HttpMethod,
      dispatcher: this.dispatcher,
      signal: opts.signal,
      headers: hasBody ? { 'content-type': 'application/json' } : { 'content-length': '0' },
      body: hasBody ? JSON.stringify(opts.body) : undefined,
    });
    const text = await res.body.text();
    const status = res.statusCode;
    if (status >= 400 && !opts.acceptStatus?.includes(status)) {
      throw httpError(operation, status, text, parseRetryAfter(res.headers['retry-after'] as string | undefined));
    }
    let body: T;
    try {
      body = (text ? JSON.parse(text) : {}) as T;
    } catch {
      // An accepted error status means "nothing there" whatever its body (a proxy's HTML page, say).
      if (status >= 400) return { status, body: {} as T };
      throw new ApiError(`${operation}: the service sent a response that is not JSON.`, 'remote', operation, status);
    }
    return { status, body };
  }
}

/** The longest `Retry-After` an API call sits out; a longer one fails the call, saying how long. */
export const RETRY_AFTER_MAX_MS = 2 * 60_000;

export function httpError(operation: string, status: number, bodyText: string, retryAfterMs?: number): ApiError {
  const detail = readableBody(bodyText);
  if (status === 401) {
    return new ApiError(
      `The service refused the API key (401) during ${operation}. Check the key: Settings › Profiles in the app, ROBOFLOW_API_KEY on the command line.`,
      'unauthorized',
      operation,
      status,
      false,
      detail,
    );
  }
  if (status === 409) {
    return new ApiError(`${operation}: conflict (409)${detail ? `: ${detail}` : ''}`, 'conflict', operation, status, false, detail);
  }
  if (status === 404) {
    return new ApiError(`${operation}: not found (404)${detail ? `: ${detail}` : ''}`, 'not-found', operation, status, false, detail);
  }
  const retryable = isRetryableStatus(status);
  return new ApiError(
    `${operation}: the service answered ${status}${detail ? `: ${detail}` : ''}`,
    'remote',
    operation,
    status,
    retryable,
    detail,
    retryable ? retryAfterMs : undefined,
  );
}

function readableBody(text: string): string {
  if (!text) return '';
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const msg = parsed.message ?? parsed.error;
    if (typeof msg === 'string') return redact(msg).slice(0, 500);
  } catch {
    // not JSON
  }
  return redact(text).slice(0, 500);
}

/** Maps thrown transport errors (resets, timeouts, DNS) to retryable network ApiErrors. */
export function toApiError(err: unknown, operation: string): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  if (e?.name === 'AbortError') return new ApiError(`${operation}: cancelled`, 'cancelled', operation);
  const code = e?.code ?? e?.name ?? 'error';
  return new ApiError(
    `${operation}: could not reach the service (${code}${e?.message ? `: ${e.message}` : ''})`,
    'network',
    operation,
    undefined,
    true,
  );
}
