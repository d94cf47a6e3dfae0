// Exactly once: before a piece whose PUT may have landed (journaled `uploading` at a crash, or a
// failure after its whole body went out) is sent again, ask the service. A real service lists what it
// received late, so "delivered" is answered as soon as any of the piece's names shows up (in the batch
// listing or in a shard's per-file failures), but "not delivered" only once the upload ended `graceMs`
// ago (counted from the question when that end is unknown) and every shard listed has settled.
// Concurrent questions share each look.

import { ApiError } from '../roboflow/http';
import { sleep } from '../retry';
import { shardFailures, shardSettled, type StagingApi } from '../roboflow/staging';

export interface ReconcileOptions {
  /** How late the service may list a piece after its PUT: "not delivered" only after this long. */
  graceMs: number;
  /** Past the grace, how long to wait for listed shards to settle before failing (never guessing). */
  timeoutMs: number;
  pollMinMs: number;
  pollMaxMs: number;
  signal: AbortSignal;
}

interface Question {
  names: Set<string>;
  askedAt: number;
  /** When the listing lag started to run: the upload's end if known, else the asking. */
  lagFrom: number;
  /** The batch's state (count and shards) when its listing was last searched for these names. */
  searched?: string;
  resolve: (delivered: boolean) => void;
  reject: (err: unknown) => void;
}

export class Reconciler {
  private questions: Question[] = [];
  private running = false;

  constructor(
    private readonly staging: StagingApi,
    private readonly batchId: string,
    private readonly opts: ReconcileOptions,
  ) {}

  /**
   * True when any of these batch names is in the batch (indexed or rejected by the service).
   * `since`: when the upload in question ended, if known and earlier (a resume): the grace runs from then.
   */
  delivered(names: string[], since?: number): Promise<boolean> {
    const askedAt = Date.now();
    // Never later than now: a clock set back since then must not stretch (nor a bad value break) the wait.
    const lagFrom = since !== undefined && Number.isFinite(since) ? Math.min(askedAt, since) : askedAt;
    return new Promise((resolve, reject) => {
      this.questions.push({ names: new Set(names), askedAt, lagFrom, resolve, reject });
      if (!this.running) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.running = true;
    let delay = this.opts.pollMinMs;
    try {
      for (;;) {
        await this.look();
        if (this.questions.length === 0) break;
        await sleep(delay, this.opts.signal);
        delay = Math.min(this.opts.pollMaxMs, delay * 2);
      }
    } catch (err) {
      for (const q of this.questions.splice(0)) q.reject(err);
    } finally {
      this.running = false;
    }
  }

  /** One look at the batch; answers every question it can. */
  private async look(): Promise<void> {
    const { signal, graceMs, timeoutMs } = this.opts;
    const asked = [...this.questions];
    let settled = true;
    const failed: string[] = [];
    const marks: string[] = [];
    for await (const shard of this.staging.iterateShards(this.batchId, { signal })) {
      if (!shardSettled(shard)) settled = false;
      marks.push(`${shard.shardId}:${shard.statusType}`);
      for (const f of shardFailures(shard)) failed.push(f.fileName);
    }
    const count = await this.staging.count(this.batchId, undefined, signal);
    const state = `${count}|${marks.join(',')}`;
    const found = new Set(asked.filter((q) => failed.some((n) => q.names.has(n))));
    // A full listing only when the batch changed since these questions last searched it (none while it is empty).
    const unsearched = asked.filter((q) => !found.has(q) && q.searched !== state);
    if (count > 0 && unsearched.length > 0) {
      let hits = 0;
      for await (const f of this.staging.iterateContent(this.batchId, { signal })) {
        for (const q of unsearched) {
          if (found.has(q) || !q.names.has(f.fileName)) continue;
          found.add(q);
          hits++;
        }
        if (hits === unsearched.length) break;
      }
      for (const q of unsearched) q.searched = state;
    }
    const now = Date.now();
    const done = new Set<Question>();
    for (const q of asked) {
      const age = now - q.askedAt;
      if (found.has(q)) q.resolve(true);
      // Unlisted though the service had time to list it, and nothing listed is still indexing.
      else if (now - q.lagFrom >= graceMs && settled) q.resolve(false);
      else if (age >= graceMs + timeoutMs) {
        const min = Math.round((graceMs + timeoutMs) / 60_000);
        q.reject(new ApiError(`Could not tell whether an upload to batch ${this.batchId} landed: the service had not finished indexing its shards after ${min} min. Resume later to ask again.`, 'remote', 'reconcile', undefined, true));
      } else continue;
      done.add(q);
    }
    this.questions = this.questions.filter((q) => !done.has(q));
  }
}
