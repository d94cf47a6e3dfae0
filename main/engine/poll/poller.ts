// One poller for everything the service does on its own time (indexing, job state, stages, tasks).
// The interval starts short, backs off towards a ceiling while nothing changes, and snaps back when
// something does; each wait is fully jittered so many items do not poll in step. Transient errors
// (network, 408/429/5xx after the HTTP layer's own retries, which honour Retry-After) are absorbed
// and polling goes on; a permanent error, or transient ones lasting longer than a bound, ends it.

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
  /** Give up after transient errors lasting this long without one success, ms. */
  errorBudgetMs: number;
  /** Source of jitter, [0, 1). */
  random: () => number;
}

export const DEFAULT_POLL_TIMINGS: PollTimings = {
  minMs: 2_000,
  maxMs: 60_000,
  factor: 1.5,
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
}

/** True for errors worth polling through. */
export function isTransient(err: unknown): boolean {
  if (err instanceof ApiError) return err.retryable || err.code === 'network';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR)/.test(code);
}

/** The next interval: back off while unchanged, snap back on change. */
export function nextInterval(current: number, changed: boolean, t: Pick<PollTimings, 'minMs' | 'maxMs' | 'factor'>): number {
  return changed ? t.minMs : Math.min(t.maxMs, Math.max(t.minMs, current * t.factor));
}

/** Full jitter below the interval, but never below half the floor (no busy loop). */
export function jitteredWait(interval: number, t: Pick<PollTimings, 'minMs' | 'random'>): number {
  return Math.max(t.minMs / 2, Math.floor(t.random() * interval));
}

export async function pollUntil<T>(opts: PollOptions<T>): Promise<T> {
  const t: PollTimings = { ...DEFAULT_POLL_TIMINGS, ...opts.timings };
  const log = opts.log ?? silentLogger;
  let interval = t.minMs;
  let last: string | undefined;
  let failingSince: number | undefined;
  for (;;) {
    opts.signal.throwIfAborted();
    let changed = false;
    try {
      const value = await opts.read(opts.signal);
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
      log.warn('poll failed; polling on', { what: opts.what, error: (err as Error).message });
    }
    interval = nextInterval(interval, changed, t);
    await sleep(jitteredWait(interval, t), opts.signal);
  }
}
