// An append-only JSON-lines journal for hot paths: appends are written and fdatasync'ed off the
// event loop, and appends that arrive while a sync is under way are group-committed together, so
// eight parallel downloads finishing at once cost one sync, and none of them stalls the others.
// Durable when the returned promise resolves. Same file format as Journal (readRecords reads it).

import fs from 'node:fs';
import { Journal } from '../journal';

export class AsyncJournal<R> {
  private queue: { line: string; done: () => void; fail: (err: unknown) => void }[] = [];
  private flushing = false;

  private constructor(private readonly fh: fs.promises.FileHandle) {}

  /** Opens after repairing a torn tail (via Journal.open). */
  static async open<R>(filePath: string): Promise<AsyncJournal<R>> {
    Journal.open<R>(filePath).close();
    return new AsyncJournal<R>(await fs.promises.open(filePath, 'a'));
  }

  append(record: R): Promise<void> {
    return new Promise<void>((done, fail) => {
      this.queue.push({ line: JSON.stringify(record) + '\n', done, fail });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        await this.fh.write(batch.map((b) => b.line).join(''));
        await this.fh.datasync();
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.fail(err);
      }
    }
    this.flushing = false;
  }

  async close(): Promise<void> {
    while (this.flushing || this.queue.length) await new Promise((r) => setImmediate(r));
    await this.fh.close();
  }
}
