// Writes JSON lines to a new file through a 1 MiB buffer: constant memory however many lines, and
// one write call per buffer rather than one per line (a plan of a million files, a member list of a
// million extracted files).

import fs from 'node:fs';
import { writeFully } from './atomic-file';

export class LineWriter {
  private fd: number;
  private buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;

  /** Creates (or truncates) the file now; throws if it cannot. */
  constructor(readonly filePath: string) {
    this.fd = fs.openSync(filePath, 'w', 0o600);
  }

  write(record: unknown): void {
    const line = JSON.stringify(record) + '\n';
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    if (this.used + line.length * 3 > this.buf.length) {
      this.flush();
      if (line.length * 3 > this.buf.length) this.buf = Buffer.allocUnsafe(line.length * 3);
    }
    this.used += this.buf.write(line, this.used);
  }

  /** Writes what is buffered, fsyncs the file (unless `sync` is false) and closes it. */
  close(sync = true): void {
    try {
      this.flush();
      if (sync) fs.fsyncSync(this.fd);
    } finally {
      this.abandon();
    }
  }

  /** Closes without writing what is buffered (after a failure); safe to call again. */
  abandon(): void {
    if (this.fd < 0) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // failing already
    }
    this.fd = -1;
  }

  private flush(): void {
    writeFully(this.fd, this.buf.subarray(0, this.used));
    this.used = 0;
  }
}
