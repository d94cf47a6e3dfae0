// One PUT of a streamed body to a signed storage URL (undici). Exactly the extension headers plus
// an exact Content-Length, no Content-Type. A watchdog aborts the transfer when no byte has moved
// for `stallMs`; the shared bandwidth limiter paces the body. Failures are classified so the caller
// knows whether to retry, get a fresh URL, stop, or first check whether the PUT landed after all.

import { Transform, type Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { parseRetryAfter } from '../retry';
import { releaseChunk, sliceChunk, trackedConnector } from './chunk-pool';
import { redact } from '../secrets';
import type { BandwidthLimiter } from './bandwidth';

export type PutFailureKind =
  /** 403/401/404 from storage: the signed URL expired or was refused; ask for a new one. */
  | 'url-rejected'
  /** Network error, timeout, stall, 408, 429, 5xx: try again after a backoff. */
  | 'retryable'
  /** 400, 413 and other 4xx: the request itself is wrong; retrying will not help. */
  | 'permanent'
  | 'cancelled';

export class PutError extends Error {
  constructor(
    message: string,
    readonly kind: PutFailureKind,
    /** True when every body byte had left this process (taken by the socket) before the failure: the object may exist. */
    readonly maybeDelivered: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(redact(message));
    this.name = 'PutError';
  }
}

export interface PutOptions {
  url: string;
  headers: Record<string, string>;
  contentLength: number;
  body: Readable;
  signal?: AbortSignal;
  /** Abort when no byte moves for this long (ms). */
  stallMs: number;
  limiter?: BandwidthLimiter;
  /** Called as body bytes leave (after pacing). */
  onBytes?: (n: number) => void;
  /** Default `storageAgent()`; another one must track writes too (`trackedConnector`), or slices of large chunks never count as activity. */
  dispatcher?: Dispatcher;
  method?: string;
}

let sharedAgent: Agent | undefined;

/** Storage uploads get their own connection pool: connect timeout, no header timeout (the body may take long), idle body timeout. */
export function storageAgent(): Agent {
  // sockets that tell the slab pool when a body chunk has been sent (chunk-pool.ts)
  sharedAgent ??= new Agent({ connect: trackedConnector({ timeout: 15_000 }), headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 4_000, pipelining: 0 });
  return sharedAgent;
}

class StallError extends Error {}

export async function putStream(opts: PutOptions): Promise<void> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) {
    opts.body.destroy(); // it may already be reading its first files
    throw new PutError('cancelled', 'cancelled', false);
  }
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });

  let sent = 0;
  let lastActivity = Date.now();
  /** Waiting for the bandwidth cap's turn: our own pacing, not a stalled transfer. */
  let pacing = false;
  const limiter = opts.limiter;
  // tar-stream emits a header, the data and the padding of each member as separate chunks; joining
  // the small ones into ~64 KiB writes saves socket writes, while a chunk that is large by itself
  // (a file's data) goes as it is rather than being copied.
  const COALESCE = 64 * 1024;
  let held: Buffer[] = [];
  let heldBytes = 0;
  const takeHeld = (): Buffer => {
    let out: Buffer;
    if (held.length === 1) out = held[0]!;
    else {
      out = Buffer.concat(held, heldBytes);
      // copied: pooled file data (chunk-pool.ts) among them can go back to its pool
      for (const b of held) releaseChunk(b);
    }
    held = [];
    heldBytes = 0;
    return out;
  };
  // undici hands the socket one chunk at a time, the next once it has drained: a 1 MiB chunk on a
  // slow link (8 shards sharing 1 Mbit/s: ~65 s) would look stalled. Larger chunks go as views of
  // at most SLICE bytes, each completed write counting as activity; smaller ones go as they are.
  const SLICE = 256 * 1024;
  const written = () => {
    lastActivity = Date.now();
  };
  const forward = (self: Transform, chunk: Buffer, cb: (err?: Error | null) => void) => {
    const go = () => {
      sent += chunk.length;
      lastActivity = Date.now();
      opts.onBytes?.(chunk.length);
      if (chunk.length <= SLICE) self.push(chunk);
      else for (const s of sliceChunk(chunk, SLICE, written)) self.push(s);
      cb();
    };
    if (limiter && limiter.bytesPerSecond > 0) {
      pacing = true;
      limiter.take(chunk.length, controller.signal).then(
        () => {
          pacing = false;
          go();
        },
        (e: Error) => cb(e),
      );
    } else go();
  };
  const pace = new Transform({
    highWaterMark: COALESCE,
    transform(chunk: Buffer, _enc, cb) {
      if (chunk.length >= COALESCE && heldBytes > 0) {
        forward(this, takeHeld(), (err) => (err ? cb(err) : forward(this, chunk, cb)));
        return;
      }
      held.push(chunk);
      heldBytes += chunk.length;
      lastActivity = Date.now();
      if (heldBytes < COALESCE) return cb();
      forward(this, takeHeld(), cb);
    },
    flush(cb) {
      if (heldBytes === 0) return cb();
      forward(this, takeHeld(), cb);
    },
  });
  opts.body.on('error', (e) => pace.destroy(e));
  opts.body.pipe(pace);

  const watchdog = setInterval(
    () => {
      // A low cap shared by several transfers can keep a chunk waiting longer than stallMs.
      if (!pacing && Date.now() - lastActivity > opts.stallMs) controller.abort(new StallError(`no bytes moved for ${Math.round(opts.stallMs / 1000)} s`));
    },
    Math.max(50, Math.min(1000, opts.stallMs / 4)),
  );

  // Every body byte left this process: counted out of `pace` and taken from it by the socket's
  // writer. Bytes still held in `pace` (say, the connection was never made) prove the PUT incomplete;
  // a small body is all in `pace` before the connection is even tried.
  const bodyHandedOver = () => sent >= opts.contentLength && pace.readableLength === 0;

  const cleanup = () => {
    clearInterval(watchdog);
    opts.signal?.removeEventListener('abort', onOuterAbort);
    // tar-stream's (streamx) readable has no unpipe; destroying it is enough.
    if (typeof opts.body.unpipe === 'function') opts.body.unpipe(pace);
    if (!opts.body.destroyed) opts.body.destroy();
    if (!pace.destroyed) pace.destroy();
  };

  let res: Dispatcher.ResponseData;
  try {
    res = await request(opts.url, {
      method: (opts.method ?? 'PUT') as Dispatcher.HttpMethod,
      headers: { ...opts.headers, 'content-length': String(opts.contentLength) },
      body: pace,
      signal: controller.signal,
      dispatcher: opts.dispatcher ?? storageAgent(),
    });
  } catch (err) {
    const handedOver = bodyHandedOver();
    cleanup();
    throw classifyThrown(err, controller.signal, opts.signal, handedOver);
  }
  lastActivity = Date.now();
  let text = '';
  try {
    text = await res.body.text();
  } catch (err) {
    // The status line arrived; a broken response body does not change the outcome of a 2xx.
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const handedOver = bodyHandedOver();
      cleanup();
      throw classifyThrown(err, controller.signal, opts.signal, handedOver);
    }
  }
  cleanup();
  const status = res.statusCode;
  if (status >= 200 && status < 300) return;
  const detail = text ? `: ${storageErrorText(text)}` : '';
  const retryAfterMs = parseRetryAfter(res.headers['retry-after'] as string | undefined);
  if (status === 401 || status === 403 || status === 404) {
    throw new PutError(`storage refused the signed URL (${status})${detail}`, 'url-rejected', false, status);
  }
  if (status === 408 || status === 429 || status >= 500) {
    throw new PutError(`storage answered ${status}${detail}`, 'retryable', false, status, retryAfterMs);
  }
  throw new PutError(`storage rejected the upload (${status})${detail}`, 'permanent', false, status);
}

function classifyThrown(err: unknown, inner: AbortSignal, outer: AbortSignal | undefined, bodyComplete: boolean): PutError {
  if (outer?.aborted) return new PutError('cancelled', 'cancelled', bodyComplete);
  if (inner.aborted && inner.reason instanceof StallError) {
    return new PutError(`transfer stalled (${inner.reason.message})`, 'retryable', bodyComplete);
  }
  const e = err as { code?: string; message?: string; name?: string };
  return new PutError(`upload interrupted (${e?.code ?? e?.name ?? 'error'}${e?.message ? `: ${e.message}` : ''})`, 'retryable', bodyComplete);
}

/**
 * Cloud storage answers errors as XML (`<Error><Code>…</Code><Message>…</Message></Error>`, GCS and
 * S3 alike): the operator reads "ServiceUnavailable: try again", not markup. Other bodies as they are.
 */
export function storageErrorText(body: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1]?.trim();
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1]?.trim();
  if (code || message) return [code, message].filter(Boolean).join(': ').slice(0, 300);
  return body.slice(0, 300);
}
