// One resumable download from a signed URL. Bytes go to `<dest>.part`; after any interruption the
// next attempt asks only for what is missing (HTTP Range from the .part size). The size is checked
// against Content-Length / Content-Range, and only then is it complete: the caller journals it and
// renames it into place. A 403 means the signed URL expired: the caller lists
// the batch again for a fresh one and calls back, which resumes from the same .part.

import fs from 'node:fs';
import { request, type Dispatcher } from 'undici';
import { backoffDelay, isRetryableStatus, parseRetryAfter, sleep, type BackoffPolicy } from '../retry';
import { redact } from '../secrets';

export class UrlExpiredError extends Error {
  constructor(readonly status: number) {
    super(`The download link expired (${status}); listing the batch again for a fresh one.`);
  }
}

export class DownloadError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(redact(message));
  }
}

export interface DownloadOptions {
  url: string;
  /** The .part file to fill. */
  partPath: string;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  /** Called with every chunk's size as it is written (progress, throughput). */
  onBytes?: (n: number) => void;
  retry?: BackoffPolicy;
}

export const DOWNLOAD_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 10_000, maxAttempts: 8 };

function partSize(p: string): number {
  try {
    return fs.statSync(p).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

function parseContentRange(v: unknown): { start: number; total: number | null } | null {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(String(v ?? '').trim());
  if (!m) return null;
  return { start: Number(m[1]), total: m[3] === '*' ? null : Number(m[3]) };
}

function isLocalIoError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOSPC' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'EDQUOT' || code === 'EISDIR' || code === 'ENOTDIR';
}

/** Downloads into `partPath` until it is whole; returns its size. */
export async function downloadToPart(opts: DownloadOptions): Promise<number> {
  const policy = opts.retry ?? DOWNLOAD_BACKOFF;
  let lastError: unknown;
  for (let attempt = 0; attempt < policy.maxAttempts; attempt++) {
    opts.signal?.throwIfAborted();
    let wait: number | undefined;
    const before = partSize(opts.partPath);
    try {
      const size = await attemptOnce(opts);
      if (size !== null) return size;
      lastError = new DownloadError('the download ended early', true);
    } catch (err) {
      if (err instanceof UrlExpiredError || isLocalIoError(err) || opts.signal?.aborted) throw err;
      if (err instanceof DownloadError && !err.retryable) throw err;
      if (err instanceof RetryAfter) wait = err.ms;
      lastError = err;
    }
    // An attempt that moved the download forward does not count against the budget.
    if (partSize(opts.partPath) > before) attempt = -1;
    await sleep(wait ?? backoffDelay(Math.max(0, attempt), policy), opts.signal);
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new DownloadError(`Download failed after ${policy.maxAttempts} attempts: ${reason}`, true);
}

class RetryAfter extends Error {
  constructor(readonly ms: number | undefined) {
    super('server asked to wait');
  }
}

/** One request. Returns the complete size, or null when the body ended short (resume next time). */
async function attemptOnce(opts: DownloadOptions): Promise<number | null> {
  let offset = partSize(opts.partPath);
  const res = await request(opts.url, {
    method: 'GET',
    dispatcher: opts.dispatcher,
    signal: opts.signal,
    headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
    // Large body buffers mean fewer, larger writes: about 1.5x the throughput of the default.
    highWaterMark: 1 << 20,
  });
  const status = res.statusCode;
  if (status === 403 || status === 401) {
    await res.body.dump();
    throw new UrlExpiredError(status);
  }
  if (status === 416) {
    await res.body.dump();
    // `bytes */<total>`: when our .part already has every byte, it is complete (a crash came between
    // the last byte and the journal); otherwise it is not a prefix the server knows: start over.
    const total = /\/(\d+)\s*$/.exec(String(res.headers['content-range'] ?? ''));
    if (total && Number(total[1]) === offset) return offset;
    fs.truncateSync(opts.partPath, 0);
    return null;
  }
  if (status >= 400) {
    await res.body.dump();
    if (isRetryableStatus(status)) throw new RetryAfter(parseRetryAfter(res.headers['retry-after'] as string | undefined));
    throw new DownloadError(`the storage answered ${status}`, false);
  }
  let total: number | null = null;
  if (status === 206) {
    const range = parseContentRange(res.headers['content-range']);
    if (!range || range.start !== offset) {
      await res.body.dump();
      fs.truncateSync(opts.partPath, 0);
      return null;
    }
    total = range.total;
  } else {
    // 200: the whole file (the server ignored or was not asked for a range).
    offset = 0;
    const len = Number(res.headers['content-length']);
    total = Number.isFinite(len) && res.headers['content-length'] !== undefined ? len : null;
  }
  // Every byte that arrived is written at once (synchronous writes into the page cache are cheaper
  // than a thread-pool round trip per chunk on a busy machine), so after a cut the next attempt asks
  // exactly for the bytes that are still missing.
  const fd = fs.openSync(opts.partPath, offset > 0 ? 'a' : 'w');
  let writeError: unknown;
  let streamError: unknown;
  try {
    await new Promise<void>((resolve) => {
      const body = res.body;
      body.on('data', (chunk: Buffer) => {
        if (writeError) return;
        try {
          let done = 0;
          while (done < chunk.length) done += fs.writeSync(fd, chunk, done, chunk.length - done);
          opts.onBytes?.(chunk.length);
        } catch (err) {
          writeError = err;
          body.destroy();
          resolve();
        }
      });
      body.on('end', () => resolve());
      body.on('error', (err) => {
        streamError = err; // cut midway: keep what arrived, resume from it
        resolve();
      });
      body.on('close', () => resolve());
    });
  } finally {
    fs.closeSync(fd);
  }
  if (writeError) throw writeError;
  if (opts.signal?.aborted) throw opts.signal.reason ?? streamError;
  const size = partSize(opts.partPath);
  if (total !== null) {
    if (size > total) {
      fs.truncateSync(opts.partPath, 0);
      return null;
    }
    if (size < total) return null;
  } else if (streamError) {
    return null;
  }
  return size;
}
