// One resumable download from a signed URL. Bytes go to `<dest>.part`; after any interruption the
// next attempt asks only for what is missing (HTTP Range from the .part size). The size is checked
// against Content-Length / Content-Range, and only then is it complete: the caller journals it and
// renames it into place. A 403 means the signed URL expired: the caller lists
// the batch again for a fresh one and calls back, which resumes from the same .part.

import fs from 'node:fs';
import { backoffDelay, isRetryableStatus, parseRetryAfter, sleep, type BackoffPolicy } from '../retry';
import { redact } from '../secrets';
import { StorageGetError, storageGet, type ResponseHead } from './storage-get';
import type { BandwidthLimiter } from '../ingest/bandwidth';

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
  signal?: AbortSignal;
  /** Called with every chunk's size as it is written (progress, throughput). */
  onBytes?: (n: number) => void;
  retry?: BackoffPolicy;
  /** The shared bandwidth cap, if any. */
  limiter?: BandwidthLimiter;
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

function parseContentRange(v: string | undefined): { start: number; total: number | null } | null {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec((v ?? '').trim());
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
      if ((err instanceof DownloadError || err instanceof StorageGetError) && !err.retryable) throw err;
      if (err instanceof RetryAfter) wait = err.ms;
      lastError = err;
    }
    // An attempt that moved the download forward does not count against the budget.
    if (partSize(opts.partPath) > before) attempt = -1;
    await sleep(wait ?? backoffDelay(Math.max(0, attempt), policy), opts.signal);
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  // The caller names the file and batch: "Could not download <file> of batch <id>: gave up after …".
  throw new DownloadError(`gave up after ${policy.maxAttempts} attempts (${reason})`, true);
}

class RetryAfter extends Error {
  constructor(readonly ms: number | undefined) {
    super('server asked to wait');
  }
}

/**
 * One request. Returns the complete size, or null when the .part is not whole yet (the next attempt
 * resumes it, or starts it over when it was truncated to zero here). A connection cut
 * midway throws (the caller retries); every byte that arrived is already in the .part, so the next
 * attempt asks exactly for the bytes that are still missing.
 */
async function attemptOnce(opts: DownloadOptions): Promise<number | null> {
  let offset = partSize(opts.partPath);
  // Set inside onHead (`as`: so TypeScript does not narrow them to null here).
  let total = null as number | null;
  // What the head said, when it is not a body to keep.
  let verdict = null as 'expired' | 'complete416' | 'restart' | 'retry' | 'fatal' | null;
  let fd = -1;
  let head: ResponseHead;
  try {
    head = await storageGet(
      opts.url,
      {
        onHead: ({ status, headers, contentLength }) => {
          if (status === 403 || status === 401) verdict = 'expired';
          else if (status === 416) {
            // `bytes */<total>`: when our .part already has every byte, it is complete (a crash came between
            // the last byte and the journal); otherwise it is not a prefix the server knows: start over.
            const t = /\/(\d+)\s*$/.exec(headers['content-range'] ?? '');
            verdict = t && Number(t[1]) === offset ? 'complete416' : 'restart';
          } else if (status >= 400) verdict = isRetryableStatus(status) ? 'retry' : 'fatal';
          else if (status === 206) {
            const range = parseContentRange(headers['content-range']);
            if (!range || range.start !== offset) verdict = 'restart';
            else total = range.total;
          } else if (status === 200) {
            // The whole file (the server ignored or was not asked for a range).
            offset = 0;
            total = contentLength;
          } else verdict = 'fatal'; // a redirect or an empty 2xx is not the file
          if (verdict) return false;
          fd = fs.openSync(opts.partPath, offset > 0 ? 'a' : 'w');
          return true;
        },
        // Written synchronously, as the view is only valid during this call (see storage-get.ts).
        // Synchronous writes into the page cache are also cheaper than a thread-pool round trip per chunk.
        onBodyBytes: (view) => {
          let done = 0;
          while (done < view.length) done += fs.writeSync(fd, view, done, view.length - done);
          opts.onBytes?.(view.length);
        },
      },
      { headers: offset > 0 ? { range: `bytes=${offset}-` } : {}, signal: opts.signal, limiter: opts.limiter },
    );
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
  const status = head.status;
  switch (verdict) {
    case 'expired':
      throw new UrlExpiredError(status);
    case 'complete416':
      return offset;
    case 'restart':
      fs.truncateSync(opts.partPath, 0);
      return null;
    case 'retry':
      throw new RetryAfter(parseRetryAfter(head.headers['retry-after']));
    case 'fatal':
      throw new DownloadError(`the storage answered ${status}`, false);
  }
  const size = partSize(opts.partPath);
  if (total !== null && size !== total) {
    // More than the server's total is not a prefix of the file: start over.
    if (size > total) fs.truncateSync(opts.partPath, 0);
    return null;
  }
  return size;
}
