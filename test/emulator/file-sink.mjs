// A file written as a stream's chunks arrive, each with a synchronous write: a received chunk
// reaches the page cache in the same tick it arrived, instead of waiting in a write stream's queue
// for a thread-pool write. Under 8 parallel PUTs this cut the emulator's CPU time by about a sixth;
// the saving is the thread-pool hand-offs (the number of garbage collections did not change).
// Still a stream: nothing is held beyond the chunk being written.

// Plain JavaScript, so the storage thread (storage-worker.mjs) shares it; types in file-sink.d.mts.

import { closeSync, openSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';

export class SyncFileSink extends Writable {
  /** Creates (or truncates) the file now; throws if it cannot. */
  constructor(path) {
    super();
    this.fd = openSync(path, 'w');
  }

  _write(chunk, _enc, cb) {
    try {
      let off = 0;
      while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
      cb();
    } catch (err) {
      cb(err);
    }
  }

  _final(cb) {
    try {
      closeSync(this.fd);
      this.fd = -1;
      cb();
    } catch (err) {
      cb(err);
    }
  }

  _destroy(err, cb) {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // already failing
      }
      this.fd = -1;
    }
    cb(err);
  }
}
