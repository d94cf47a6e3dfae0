// An append-only JSON-lines journal. Each append is written and fsync'ed before it returns (with
// appendDurably, before its promise resolves), so a record that was acted on is always on disk
// first; a kill -9 can at worst tear the last line, which replay drops (and truncates) because its
// action never started.

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { writeFully } from './atomic-file';

export class Journal<R> {
  private fd: number;
  /** Lines waiting for `appendDurably`'s next write + fsync, and whether one is under way. */
  private queue: { text: string; done: () => void; fail: (err: unknown) => void }[] = [];
  private flushing = false;
  /** Called once the writes under way are done (close waits there). */
  private afterFlush: (() => void)[] = [];
  /**
   * A write that fails (disk full, I/O error) may leave part of a line behind, and a later record
   * would land on that line and be lost on replay though reported durable. The file is cut back to
   * where the write began; if even that fails, nothing more is written (this is the error), until
   * the journal is opened again, which repairs the tail.
   */
  private broken: unknown;

  private constructor(readonly filePath: string) {
    this.fd = fs.openSync(filePath, 'a');
  }

  /** Opens (creating the folder and file if needed) after repairing a torn tail. */
  static open<R>(filePath: string): Journal<R> {
    fs.mkdirSync(path.dirname(filePath), { recursive: true });
    repairTornTail(filePath);
    return new Journal<R>(filePath);
  }

  /** Durable on return. */
  append(record: R): void {
    this.appendMany([record]);
  }

  /** One write and one fsync for many records (group commit). */
  appendMany(records: readonly R[]): void {
    if (records.length === 0) return;
    if (this.flushing || this.queue.length > 0) throw new Error('Journal.appendMany while appendDurably writes are under way');
    if (this.broken) throw this.broken;
    const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const start = fs.fstatSync(this.fd).size;
    try {
      writeFully(this.fd, Buffer.from(text));
      fs.fsyncSync(this.fd);
    } catch (err) {
      this.cutBackTo(start);
      throw err;
    }
  }

  /** After a failed write: removes what it left, or refuses every later write if that fails too. */
  private cutBackTo(size: number): void {
    try {
      fs.ftruncateSync(this.fd, size);
      fs.fsyncSync(this.fd);
    } catch (err) {
      this.broken = err;
    }
  }

  /**
   * Durable when the promise resolves: written and synced on the thread pool, so the event loop
   * goes on meanwhile (eight parallel transfers finishing at once cost one sync, and none stalls the
   * others); records appended while a write + sync is under way go together in the next one (group
   * commit), in the order they were appended. Await it before acting on the record. fdatasync is
   * enough for an append: it flushes the data and the file's new size, all that replay reads.
   */
  appendDurably(record: R): Promise<void> {
    return new Promise<void>((done, fail) => {
      this.queue.push({ text: JSON.stringify(record) + '\n', done, fail });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        if (this.fd < 0) throw new Error('journal is closed');
        if (this.broken) throw this.broken;
        const start = fs.fstatSync(this.fd).size;
        try {
          await writeAll(this.fd, Buffer.from(batch.map((b) => b.text).join('')));
          await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (err) => (err ? reject(err) : resolve())));
        } catch (err) {
          this.cutBackTo(start);
          throw err;
        }
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.fail(err);
      }
    }
    this.flushing = false;
    for (const resume of this.afterFlush.splice(0)) resume();
  }

  /** Every record, in order. Use `replay` for journals that may be large. */
  readAll(): R[] {
    return readRecords<R>(this.filePath);
  }

  /** Streams the records without holding the file in memory. */
  replay(): AsyncIterable<R> {
    return replayRecords<R>(this.filePath);
  }

  /**
   * Closes now, or once the `appendDurably` writes under way are done (never under them); the
   * promise says when (await it before another Journal opens the same file).
   */
  close(): Promise<void> {
    if (this.flushing) {
      return new Promise<void>((resolve) => this.afterFlush.push(resolve)).then(() => this.close());
    }
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
    return Promise.resolve();
  }
}

function writeAll(fd: number, buf: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const step = (off: number) =>
      fs.write(fd, buf, off, buf.length - off, null, (err, n) => {
        if (err) return reject(err);
        if (off + n < buf.length) return step(off + n);
        resolve();
      });
    step(0);
  });
}

export function readRecords<R>(filePath: string): R[] {
  let text: string;
  try {
    text = fs.readFileSync(filePath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: R[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as R);
    } catch {
      // a torn final line: its action never started
    }
  }
  return out;
}

export async function* replayRecords<R>(filePath: string): AsyncIterable<R> {
  if (!fs.existsSync(filePath)) return;
  const input = fs.createReadStream(filePath, 'utf8');
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (!line) continue;
      try {
        yield JSON.parse(line) as R;
      } catch {
        // torn final line
      }
    }
  } finally {
    // A consumer that stops early (an upload paused midway) would otherwise leave the file open:
    // closing readline only pauses its input.
    lines.close();
    input.destroy();
  }
}

/** Cuts a partial last line left by a crash mid-write, so new records start on a clean line. */
function repairTornTail(filePath: string): void {
  let fd: number;
  try {
    fd = fs.openSync(filePath, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return;
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    if (last[0] === 0x0a) return;
    // Walk back to the previous newline in small chunks.
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const n = fs.readSync(fd, chunk, 0, end - start, start);
      const idx = chunk.subarray(0, n).lastIndexOf(0x0a);
      if (idx >= 0) {
        fs.ftruncateSync(fd, start + idx + 1);
        fs.fsyncSync(fd);
        return;
      }
      end = start;
    }
    fs.ftruncateSync(fd, 0);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
