// One poller for everything the service does on its own time (indexing, job state, stages, tasks).
// The interval starts short, backs off towards a ceiling while nothing changes, and snaps back when
// something does, but never below a floor that grows with the time spent polling: a long job that
// keeps making progress is still polled less and less often. Each wait is fully jittered so many
// items do not poll in step. Transient errors (network, 408/429/5xx after the HTTP layer's own
// retries) are absorbed and polling goes on, never sooner than the service's Retry-After; a
// permanent error, or transient ones lasting longer than a bound, ends it.

import { ApiError } from '../roboflow/http';
import { sleep } from '../retry';
import { silentLogger, type Logger } from '../log';

export interface PollTimings {
  /** First interval and the one it snaps back to on change, ms. */
  minMs: number;
  /** Ceiling while nothing changes, ms. */
  maxMs: number;
  /** Growth per unchanged poll. */
  factor: number;
  /** The floor grows by this share of the time spent polling so far (capped at maxMs). */
  ageShare: number;
  /** Give up after transient errors lasting this long without one success, ms. */
  errorBudgetMs: number;
  /** Source of jitter, [0, 1). */
  random: () => number;
}

export const DEFAULT_POLL_TIMINGS: PollTimings = {
  minMs: 2_000,
  maxMs: 60_000,
  factor: 1.5,
  // 2 s for the first 40 s, 6 s after 2 min, the ceiling after 20 min
  ageShare: 0.05,
  errorBudgetMs: 30 * 60_000,
  random: Math.random,
};

/** Timings from the environment (BATCH_DESK_POLL_MIN_MS / BATCH_DESK_POLL_MAX_MS), for tests and tuning. */
export function pollTimingsFromEnv(env: NodeJS.ProcessEnv = process.env): PollTimings {
  const num = (name: string) => {
    const v = Number(env[name]);
    return env[name] !== undefined && env[name] !== '' && Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const min = num('BATCH_DESK_POLL_MIN_MS');
  const max = num('BATCH_DESK_POLL_MAX_MS');
  if (min === undefined && max === undefined) return DEFAULT_POLL_TIMINGS;
  const minMs = min ?? DEFAULT_POLL_TIMINGS.minMs;
  return { ...DEFAULT_POLL_TIMINGS, minMs, maxMs: Math.max(minMs, max ?? minMs * 10) };
}

export interface PollOptions<T> {
  /** Reads the current state. */
  read: (signal: AbortSignal) => Promise<T>;
  /** True when polling should stop with this value. */
  done: (value: T) => boolean;
  /** A short text that changes when something worth noticing changed; equal texts back the interval off. */
  fingerprint?: (value: T) => string;
  /** Called with every value read (before `done` is checked), e.g. to journal it or show progress. */
  onValue?: (value: T) => void | Promise<void>;
  signal: AbortSignal;
  timings?: Partial<PollTimings>;
  log?: Logger;
  /** Describes the operation in logs. */
  what?: string;
  /**
   * When the awaited operation began (epoch ms), if before this call: a job resumed after a
   * restart of the app is polled as the old job it is, not as a new one. Default: now.
   */
  since?: number;
  /**
   * Told when reads start failing (and polling goes on), on every failure after that, and with
   * undefined once a read succeeds again: a service that stops answering for minutes is shown, not
   * only logged.
   */
  onFailing?: (failure: PollFailure | undefined) => void;
}

export interface PollFailure {
  /** When the reads started failing (epoch ms). */
  since: number;
  message: string;
  /** When the next read is due (epoch ms). */
  nextAt: number;
}

/** True for errors worth polling through. */
export function isTransient(err: unknown): boolean {
  if (err instanceof ApiError) return err.retryable || err.code === 'network';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR)/.test(code);
}

/** The shortest interval after `elapsedMs` of polling. */
export function pollFloor(elapsedMs: number, t: Pick<PollTimings, 'minMs' | 'maxMs' | 'ageShare'>): number {
  return Math.min(t.maxMs, Math.max(t.minMs, elapsedMs * t.ageShare));
}

/** The next interval: back off while unchanged, snap back to the floor on change. */
export function nextInterval(current: number, changed: boolean, t: Pick<PollTimings, 'minMs' | 'maxMs' | 'factor'>, floor = t.minMs): number {
  return changed ? floor : Math.min(t.maxMs, Math.max(floor, current * t.factor));
}

/** Full jitter below the interval, but never below half the floor (no busy loop). */
export function jitteredWait(interval: number, t: Pick<PollTimings, 'minMs' | 'random'>): number {
  return Math.max(t.minMs / 2, Math.floor(t.random() * interval));
}

/** The wait the service asked for (a 429's or 503's Retry-After), ms, or 0. */
function retryAfterOf(err: unknown): number {
  return err instanceof ApiError ? (err.retryAfterMs ?? 0) : 0;
}

export async function pollUntil<T>(opts: PollOptions<T>): Promise<T> {
  const t: PollTimings = { ...DEFAULT_POLL_TIMINGS, ...opts.timings };
  const log = opts.log ?? silentLogger;
  const started = Math.min(Date.now(), opts.since ?? Date.now());
  let interval = t.minMs;
  let last: string | undefined;
  let failingSince: number | undefined;
  for (;;) {
    opts.signal.throwIfAborted();
    let changed = false;
    let notBefore = 0;
    let failure: string | undefined;
    try {
      const value = await opts.read(opts.signal);
      if (failingSince !== undefined) opts.onFailing?.(undefined);
      failingSince = undefined;
      await opts.onValue?.(value);
      if (opts.done(value)) return value;
      const fp = opts.fingerprint ? opts.fingerprint(value) : undefined;
      changed = fp !== undefined && fp !== last;
      last = fp;
    } catch (err) {
      if (opts.signal.aborted) throw opts.signal.reason ?? err;
      if (!isTransient(err)) throw err;
      failingSince ??= Date.now();
      if (Date.now() - failingSince > t.errorBudgetMs) throw err;
      notBefore = retryAfterOf(err);
      failure = (err as Error).message;
      log.warn('poll failed; polling on', { what: opts.what, error: failure, retryAfterMs: notBefore || undefined });
    }
    const floor = pollFloor(Date.now() - started, t);
    interval = nextInterval(interval, changed, t, floor);
    const wait = Math.max(notBefore, jitteredWait(interval, { minMs: floor, random: t.random }));
    if (failure !== undefined && failingSince !== undefined) opts.onFailing?.({ since: failingSince, message: failure, nextAt: Date.now() + wait });
    await sleep(wait, opts.signal);
  }
}
