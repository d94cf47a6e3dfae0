// Sends the plan: image shards as streamed tar archives (K in parallel, each with its own signed
// URL) and videos one file per signed URL. Every piece goes through the same journaled life:
//   re-check files on disk → ask for a signed URL (split if its limits are tighter than planned)
//   → journal `uploading` → PUT → journal `uploaded`
// with retries (full-jitter backoff, Retry-After, fresh URL on 403, stall watchdog) and, whenever a
// PUT may have landed without us knowing, reconciliation with the service before any resend.

import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { StepContext } from '../pipeline/step';
import { backoffDelay, sleep, type BackoffPolicy } from '../retry';
import { RetryBoard } from './retry-board';
import { ApiError } from '../roboflow/http';
import type { SignedUrlDetails, StagingApi } from '../roboflow/staging';
import { processBandwidth } from './bandwidth';
import { shortHash } from './batch-names';
import { type Excluded, type IngestRecord, type IngestState, now, shardPieceId, videoPieceId } from './ingest-journal';
import type { Journal } from '../journal';
import { uploadTotals } from './journaled-upload-progress';
import { readShardsWithEntries, readVideoEntries, type PlanEntry, type PlanSummary } from './plan';
import type { ProgressTracker } from './progress-tracker';
import { PutError, putStream } from './put';
import { Reconciler } from './reconcile';
import { tarMemberSize, tarSize, TAR_END } from './tar-size';
import { SourceReadError, tarStream } from './tar-pack';

export interface IngestTuning {
  /** Abort a transfer when no byte moved for this long. */
  stallMs: number;
  /** Per piece: attempts before the item fails (it can be resumed later). */
  retry: BackoffPolicy;
  /**
   * How late the service may list what it received (the guide: counts lag after bulk ingest). A piece
   * in doubt is called undelivered only after this long unlisted; indexing waits this long on unchanged
   * counts before calling files missing.
   */
  reconcileGraceMs: number;
  /** Indexing (and reconciliation) give up on what the service never lists or never finishes indexing after this long. */
  indexingTimeoutMs: number;
  pollMinMs: number;
  pollMaxMs: number;
}

export const DEFAULT_TUNING: IngestTuning = {
  stallMs: 60_000,
  retry: { baseMs: 1000, maxMs: 60_000, maxAttempts: 10 },
  reconcileGraceMs: 120_000,
  indexingTimeoutMs: 30 * 60_000,
  pollMinMs: 500,
  pollMaxMs: 15_000,
};

interface Piece {
  id: string;
  kind: 'image' | 'video';
  members: PlanEntry[];
}

/** A tiny counting semaphore. */
class Slots {
  private free: number;
  private waiters: (() => void)[] = [];
  constructor(n: number) {
    this.free = Math.max(1, n);
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiters.push(r));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}

export class Uploader {
  private readonly imageReconciler: Reconciler;
  private readonly videoReconciler?: Reconciler;
  /** Aborts every transfer when one piece fails for good, or when the step is stopped. */
  private readonly controller = new AbortController();
  private fatal: unknown;
  private readonly retries = new RetryBoard((retrying) => this.ctx.progress({ retrying }));
  /** Piece kinds whose signed-URL limits were logged (once each: they rarely change). */
  private readonly limitsLogged = new Set<Piece['kind']>();

  constructor(
    private readonly ctx: StepContext,
    private readonly staging: StagingApi,
    private readonly journal: Journal<IngestRecord>,
    private readonly state: IngestState,
    private readonly progress: ProgressTracker,
    private readonly tuning: IngestTuning,
  ) {
    // Every transfer, wait and reconciliation listens on this one signal.
    setMaxListeners(0, this.controller.signal);
    const onAbort = () => this.controller.abort(ctx.signal.reason);
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
    const ropts = { graceMs: tuning.reconcileGraceMs, timeoutMs: tuning.indexingTimeoutMs, pollMinMs: tuning.pollMinMs, pollMaxMs: tuning.pollMaxMs, signal: this.controller.signal };
    this.imageReconciler = new Reconciler(staging, ctx.item.batchId, ropts);
    if (ctx.item.videoBatchId) this.videoReconciler = new Reconciler(staging, ctx.item.videoBatchId, ropts);
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Journals a record (durable when this resolves: await it before acting on the record), then applies it. */
  private async record(r: IngestRecord): Promise<void> {
    await this.journal.appendDurably(r);
    this.state.apply(r);
  }

  /** Totals for progress, from the plan minus what was left out already. */
  initTotals(summary: PlanSummary): void {
    const totals = uploadTotals(summary, this.state);
    this.progress.filesTotal = totals.files;
    this.progress.bytesTotal = totals.bytes;
    this.progress.rejected = totals.rejected;
  }

  async run(): Promise<void> {
    try {
      await this.runPhase(this.imagePieces(), this.ctx.transfer.concurrency);
      if (this.ctx.item.videoBatchId) await this.runPhase(this.videoPieces(), this.ctx.transfer.videoConcurrency);
      this.progress.finish();
    } finally {
      // Paused, failed or done: nothing of this run is waiting for a retry any more.
      this.ctx.progress({ retrying: undefined });
    }
  }

  private async runPhase(source: AsyncIterable<Piece[]>, concurrency: number): Promise<void> {
    const slots = new Slots(concurrency);
    const running = new Set<Promise<void>>();
    try {
      await this.startPieces(source, slots, running);
    } finally {
      // Even when reading the plan fails: no PUT may outlive this run (and its journal, closed next).
      await Promise.all(running);
    }
    if (this.fatal) throw this.fatal;
    if (this.ctx.signal.aborted) throw this.ctx.signal.reason ?? new Error('cancelled');
  }

  /** Starts each group of pieces as a slot frees up, until the source ends, a PUT fails for good, or the run stops. */
  private async startPieces(source: AsyncIterable<Piece[]>, slots: Slots, running: Set<Promise<void>>): Promise<void> {
    for await (const group of source) {
      if (this.fatal) break;
      if (this.signal.aborted) break;
      const todo = group.filter((p) => !this.finished(p));
      for (const p of group) if (this.finished(p)) this.countFinished(p);
      if (todo.length === 0) continue;
      await slots.acquire();
      if (this.fatal || this.signal.aborted) {
        slots.release();
        break;
      }
      const task = (async () => {
        try {
          for (const p of todo) await this.sendPiece(p);
        } catch (err) {
          if (!this.fatal && !this.ctx.signal.aborted) {
            this.fatal = err;
            this.controller.abort(err);
          }
        } finally {
          slots.release();
        }
      })();
      running.add(task);
      void task.finally(() => running.delete(task));
    }
  }

  /** Image pieces shard by shard, following any split the journal recorded. */
  private async *imagePieces(): AsyncIterable<Piece[]> {
    for await (const { shard, entries } of readShardsWithEntries(this.ctx.itemDir)) {
      yield this.leaves({ id: shardPieceId(shard.index), kind: 'image', members: entries });
    }
  }

  private async *videoPieces(): AsyncIterable<Piece[]> {
    for await (const e of readVideoEntries(this.ctx.itemDir)) yield [{ id: videoPieceId(e.index), kind: 'video', members: [e] }];
  }

  private leaves(piece: Piece): Piece[] {
    const split = this.state.splits.get(piece.id);
    if (!split) return [piece];
    const byIndex = new Map(piece.members.map((m) => [m.index, m]));
    return split.flatMap((s) => this.leaves({ id: s.id, kind: piece.kind, members: s.members.map((i) => byIndex.get(i)!).filter(Boolean) }));
  }

  private finished(p: Piece): boolean {
    const s = this.state.pieces.get(p.id);
    // failed for good: every file left out, or refused by the service (a video's type)
    return s?.state === 'uploaded' || (s?.state === 'failed' && this.live(p).every((m) => this.state.serviceRejected.has(m.index)));
  }

  /**
   * The service refused a video's type when asked for its URL (the types it takes are undocumented,
   * 7.3; we send what the official client finds): reported for that file, the rest goes on.
   */
  private async refuseVideo(piece: Piece, video: PlanEntry, err: ApiError): Promise<void> {
    const reason = err.body || err.message;
    // Already recorded (and counted in the totals) by a run that died before the piece's 'failed'.
    if (!this.state.serviceRejected.has(video.index)) {
      await this.record({ t: 'service-rejected', index: video.index, batchName: video.batchName, type: 'unsupported-file-type', reason, unsentBytes: video.size, at: now() });
      this.progress.exclude(1, video.size);
    }
    await this.record({ t: 'failed', piece: piece.id, error: `the service refused this video: ${reason}`, permanent: true, at: now() });
  }

  private countFinished(p: Piece): void {
    const live = this.live(p);
    if (this.state.pieces.get(p.id)?.state === 'uploaded') this.progress.done('_', live.length, sum(live));
  }

  private live(p: Piece): PlanEntry[] {
    return p.members.filter((m) => !this.state.excluded.has(m.index));
  }

  private reconciler(p: Piece): Reconciler {
    return p.kind === 'video' ? this.videoReconciler! : this.imageReconciler;
  }

  private async sendPiece(piece: Piece): Promise<void> {
    const status = this.state.piece(piece.id);
    if (status.state === 'uploaded') return;
    if (status.state === 'uploading' || status.state === 'in-doubt') {
      // An attempt that failed in doubt (not one cut off by a crash) started the listing lag then.
      if (await this.landed(piece, status.state === 'in-doubt' ? status.inDoubtSince : undefined)) return;
    }
    let failures = 0;
    // Attempts of earlier runs are in the journal; each run (a resume) gets its own allowance.
    const attemptsBefore = status.attempts;
    for (;;) {
      if (this.signal.aborted) throw this.signal.reason ?? new Error('cancelled');
      const live = await this.recheck(piece);
      if (live.length === 0) {
        await this.record({ t: 'failed', piece: piece.id, error: 'every file of this piece changed or vanished before it was sent', permanent: true, at: now() });
        return this.retries.settled(piece.id);
      }
      let url: SignedUrlDetails;
      try {
        url = await this.requestUrl(piece, live);
      } catch (err) {
        if (err instanceof ApiError && err.retryable && ++failures < this.tuning.retry.maxAttempts) {
          // Never sooner than the service asked (Retry-After), however long: coming back early
          // only spends the attempts on refusals.
          const delay = err.retryAfterMs ?? backoffDelay(failures - 1, this.tuning.retry);
          this.retries.waiting(piece.id, err.message, delay);
          await sleep(delay, this.signal);
          continue;
        }
        this.retries.settled(piece.id);
        if (piece.kind === 'video' && typeRefused(err)) return this.refuseVideo(piece, live[0]!, err);
        throw err;
      }
      const wire = piece.kind === 'image' ? tarSize(live) : live[0]!.size;
      if (piece.kind === 'video' && url.maxFileSizeBytes !== undefined && wire > url.maxFileSizeBytes) {
        // The service says up front it will not take a video this large: report it, do not send it.
        const v = live[0]!;
        const files = [{ index: v.index, size: v.size, reason: 'too-large' as const, message: `${v.sourcePath} is ${v.size} bytes; the service accepts videos up to ${url.maxFileSizeBytes} bytes.` }];
        await this.record({ t: 'excluded', piece: piece.id, files, at: now() });
        this.progress.exclude(1, v.size);
        await this.record({ t: 'failed', piece: piece.id, error: 'video larger than the service accepts', permanent: true, at: now() });
        return this.retries.settled(piece.id);
      }
      if (piece.kind === 'image' && this.tooBig(url, live.length, wire)) {
        const parts = await this.split(piece, live, url);
        if (parts) {
          this.retries.settled(piece.id); // its parts wait (or not) for themselves
          for (const p of parts) await this.sendPiece(p);
          return;
        }
      }
      const attempt = this.state.piece(piece.id).attempts + 1;
      await this.record({ t: 'uploading', piece: piece.id, attempt, urlToken: shortHash(url.uploadURL, 12), bytes: wire, at: now() });
      const payload = sum(live);
      this.progress.start(piece.id, wire, payload);
      const body = this.body(piece, live);
      let unreadable: SourceReadError | undefined;
      body.on('error', (e) => {
        if (e instanceof SourceReadError) unreadable = e;
      });
      try {
        await putStream({
          url: url.uploadURL,
          method: url.method,
          headers: url.extensionHeaders,
          contentLength: wire,
          body,
          signal: this.signal,
          stallMs: this.tuning.stallMs,
          limiter: processBandwidth,
          onBytes: (n) => this.progress.bytes(piece.id, n),
        });
      } catch (err) {
        this.progress.abandon(piece.id);
        const e = err instanceof PutError ? err : new PutError(String((err as Error)?.message ?? err), 'retryable', false);
        await this.record({ t: 'attempt-failed', piece: piece.id, attempt, error: e.message, maybeDelivered: e.maybeDelivered, at: now() });
        if (e.kind === 'cancelled') throw this.signal.reason ?? err;
        this.ctx.log.warn('upload attempt failed', { piece: piece.id, attempt, error: e.message, maybeDelivered: e.maybeDelivered });
        const unreadableMember = unreadable && live.find((m) => m.sourcePath === unreadable!.sourcePath);
        if (unreadableMember) {
          // Not a transfer problem: that file is left out and the rest goes at once.
          const files = [{ index: unreadableMember.index, size: unreadableMember.size, reason: 'unreadable' as const, message: unreadable!.message }];
          await this.record({ t: 'excluded', piece: piece.id, files, at: now() });
          this.progress.exclude(1, unreadableMember.size);
          continue;
        }
        if (e.maybeDelivered && (await this.landed(piece))) return this.retries.settled(piece.id);
        if (e.kind === 'permanent') {
          this.retries.settled(piece.id);
          await this.record({ t: 'failed', piece: piece.id, error: e.message, permanent: true, at: now() });
          throw new ApiError(`Upload of ${describe(piece)} was refused: ${e.message}`, 'remote', 'upload', e.status);
        }
        if (e.kind !== 'url-rejected') failures++;
        if (failures >= this.tuning.retry.maxAttempts || attempt - attemptsBefore >= this.tuning.retry.maxAttempts * 3) {
          this.retries.settled(piece.id);
          throw new ApiError(`Upload of ${describe(piece)} failed ${attempt} times; last error: ${e.message}. Resume to try again.`, 'network', 'upload', e.status, true);
        }
        const delay = e.kind === 'url-rejected' ? 50 : (e.retryAfterMs ?? backoffDelay(failures - 1, this.tuning.retry));
        if (e.kind !== 'url-rejected') this.retries.waiting(piece.id, e.message, delay);
        await sleep(delay, this.signal);
        continue;
      }
      this.retries.settled(piece.id);
      await this.record({ t: 'uploaded', piece: piece.id, at: now() });
      this.progress.done(piece.id, live.length, payload);
      return;
    }
  }

  /** Asks the service whether a piece that may have landed did (its upload ended `since`, if known); journals `uploaded` if so. */
  private async landed(piece: Piece, since?: number): Promise<boolean> {
    const names = piece.members.map((m) => m.batchName);
    // Minutes without a byte moving: the operator is told what is awaited, and why.
    this.retries.checking(piece.id, describeShort(piece), this.tuning.reconcileGraceMs, since);
    const delivered = await this.reconciler(piece).delivered(names, since);
    this.retries.settled(piece.id);
    this.ctx.log.info('reconciled', { piece: piece.id, delivered });
    if (delivered) {
      await this.record({ t: 'uploaded', piece: piece.id, reconciled: true, at: now() });
      const live = this.live(piece);
      this.progress.done(piece.id, live.length, sum(live));
    }
    return delivered;
  }

  private async requestUrl(piece: Piece, live: PlanEntry[]): Promise<SignedUrlDetails> {
    const display = this.ctx.item.spec.batchName || undefined;
    const url =
      piece.kind === 'image'
        ? await this.staging.requestBulkUploadUrl(this.ctx.item.batchId, display, this.signal)
        : await this.staging.requestVideoUploadUrl(this.ctx.item.videoBatchId!, live[0]!.batchName, display, this.signal);
    this.logLimits(piece.kind, url);
    return url;
  }

  /** The limits as the service sent them and as taken, once per kind: their names and units are unconfirmed. */
  private logLimits(kind: Piece['kind'], url: SignedUrlDetails): void {
    if (this.limitsLogged.has(kind)) return;
    this.limitsLogged.add(kind);
    // Only the limit fields: never the URL, whose query is its credential.
    this.ctx.log.info('signed URL limits', { kind, sent: url.rawLimits, maxFileSizeBytes: url.maxFileSizeBytes ?? null, maxFilesPerArchive: url.maxFilesPerArchive ?? null });
  }

  private tooBig(url: SignedUrlDetails, files: number, bytes: number): boolean {
    return (url.maxFilesPerArchive !== undefined && files > url.maxFilesPerArchive) || (url.maxFileSizeBytes !== undefined && bytes > url.maxFileSizeBytes);
  }

  /** Splits a piece deterministically (greedy, in plan order) to fit the URL's limits; journals it. */
  private async split(piece: Piece, live: PlanEntry[], url: SignedUrlDetails): Promise<Piece[] | null> {
    const maxFiles = url.maxFilesPerArchive ?? Infinity;
    const maxBytes = url.maxFileSizeBytes ?? Infinity;
    const groups: PlanEntry[][] = [];
    let cur: PlanEntry[] = [];
    let bytes = TAR_END;
    for (const m of live) {
      const add = tarMemberSize(m.batchName, m.size);
      if (cur.length > 0 && (cur.length >= maxFiles || bytes + add > maxBytes)) {
        groups.push(cur);
        cur = [];
        bytes = TAR_END;
      }
      cur.push(m);
      bytes += add;
    }
    if (cur.length) groups.push(cur);
    if (groups.length <= 1) return null; // a single file larger than the limit: send and let the service judge
    const pieces = groups.map((g, k) => ({ id: `${piece.id}.${k}`, kind: piece.kind, members: g }));
    await this.record({
      t: 'split',
      piece: piece.id,
      pieces: pieces.map((p) => ({ id: p.id, members: p.members.map((m) => m.index) })),
      reason: `the signed URL allows ${maxFiles === Infinity ? 'any number of' : maxFiles} files and ${maxBytes === Infinity ? 'any size' : `${maxBytes} bytes`} per archive`,
      at: now(),
    });
    this.ctx.log.info('split piece to fit the URL limits', { piece: piece.id, into: pieces.length });
    return pieces;
  }

  private body(piece: Piece, live: PlanEntry[]): Readable {
    if (piece.kind === 'image') return tarStream(live);
    const v = live[0]!;
    return fs.createReadStream(v.sourcePath, { start: 0, end: v.size - 1, highWaterMark: 256 * 1024 });
  }

  /** Re-checks the piece's files just before sending: anything changed, gone or unreadable is left out (and journaled). */
  private async recheck(piece: Piece): Promise<PlanEntry[]> {
    const live = this.live(piece);
    const excluded: (Excluded & { size: number })[] = [];
    const results = live.map((m) => checkFile(m));
    results.forEach((problem, i) => {
      if (problem) excluded.push({ index: live[i]!.index, size: live[i]!.size, ...problem });
    });
    if (excluded.length === 0) return live;
    await this.record({ t: 'excluded', piece: piece.id, files: excluded, at: now() });
    this.progress.exclude(excluded.length, excluded.reduce((a, e) => a + e.size, 0));
    return live.filter((m) => !this.state.excluded.has(m.index));
  }
}

/** A refusal of the file's type (400/415 saying so), as opposed to any other refusal, which fails the item. */
function typeRefused(err: unknown): err is ApiError {
  if (!(err instanceof ApiError) || (err.status !== 400 && err.status !== 415)) return false;
  return /unsupported|not supported|file type|extension/i.test(err.body || err.message);
}

/** Synchronous on purpose: a stat and an access check cost far less than two thread-pool round trips. */
function checkFile(m: PlanEntry): Omit<Excluded, 'index'> | null {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(m.sourcePath, { throwIfNoEntry: false });
  } catch (err) {
    return { reason: 'unreadable', message: `${m.sourcePath} cannot be read (${(err as NodeJS.ErrnoException).code}).` };
  }
  if (!st) return { reason: 'vanished', message: `${m.sourcePath} vanished after it was planned.` };
  if (st.size !== m.size || Math.floor(st.mtimeMs) !== m.mtimeMs) {
    return { reason: 'changed', message: `${m.sourcePath} changed after it was planned (size or modification time differs); scan it again to send it.` };
  }
  try {
    fs.accessSync(m.sourcePath, fs.constants.R_OK);
  } catch (err) {
    return { reason: 'unreadable', message: `${m.sourcePath} cannot be read (${(err as NodeJS.ErrnoException).code}).` };
  }
  return null;
}

function sum(entries: PlanEntry[]): number {
  let s = 0;
  for (const e of entries) s += e.size;
  return s;
}

/** A piece as the progress line names it (a video by its file name: its path would fill the line). */
function describeShort(piece: Piece): string {
  return piece.kind === 'video' ? `video ${path.basename(piece.members[0]?.sourcePath ?? '')}` : `shard ${piece.id.slice(1)}`;
}

function describe(piece: Piece): string {
  return piece.kind === 'video' ? `video ${piece.members[0]?.sourcePath}` : `shard ${piece.id.slice(1)}`;
}
