// Exactly once: before a piece whose PUT may have landed (journaled `uploading` at a crash, or a
// failure after its whole body went out) is sent again, ask the service. Wait until every shard it
// reports has settled (indexing done), then look for the piece's file names in the batch listing and
// in the shards' per-file failures. Any name found means the PUT landed: do not send it again.
// Concurrent questions are answered together by one listing pass.

import { sleep } from '../retry';
import { shardFailures, shardSettled, type StagingApi } from '../roboflow/staging';

export interface ReconcileOptions {
  /** Wait this long after the doubt arose before the first look (a real service may list a new shard late). */
  graceMs: number;
  pollMinMs: number;
  pollMaxMs: number;
  signal: AbortSignal;
}

interface Question {
  names: string[];
  resolve: (delivered: boolean) => void;
  reject: (err: unknown) => void;
}

export class Reconciler {
  private queue: Question[] = [];
  private running = false;
  /** Passes made (for tests and logs). */
  passes = 0;

  constructor(
    private readonly staging: StagingApi,
    private readonly batchId: string,
    private readonly opts: ReconcileOptions,
  ) {}

  /** True when any of these batch names is in the batch (indexed or rejected by the service). */
  delivered(names: string[]): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ names, resolve, reject });
      if (!this.running) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        await sleep(this.opts.graceMs, this.opts.signal);
        const batch = this.queue;
        this.queue = [];
        try {
          const found = await this.pass(batch.flatMap((q) => q.names));
          for (const q of batch) q.resolve(q.names.some((n) => found.has(n)));
        } catch (err) {
          for (const q of batch) q.reject(err);
        }
      }
    } catch (err) {
      for (const q of this.queue.splice(0)) q.reject(err);
    } finally {
      this.running = false;
    }
  }

  private async pass(names: string[]): Promise<Set<string>> {
    this.passes++;
    const wanted = new Set(names);
    const found = new Set<string>();
    const { signal } = this.opts;
    if (!(await this.staging.findBatch(this.batchId, signal))) return found;
    // Wait for indexing to settle so "not listed" means "not there".
    let delay = this.opts.pollMinMs;
    for (;;) {
      let settled = true;
      const failed: string[] = [];
      for await (const shard of this.staging.iterateShards(this.batchId, { signal })) {
        if (!shardSettled(shard)) settled = false;
        for (const f of shardFailures(shard)) failed.push(f.fileName);
      }
      if (settled) {
        for (const n of failed) if (wanted.has(n)) found.add(n);
        break;
      }
      await sleep(delay, signal);
      delay = Math.min(this.opts.pollMaxMs, delay * 2);
    }
    for await (const f of this.staging.iterateContent(this.batchId, { pageSize: 1000, signal })) {
      if (wanted.has(f.fileName)) found.add(f.fileName);
      if (found.size === wanted.size) break;
    }
    return found;
  }
}
