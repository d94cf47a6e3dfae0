import { Writable } from 'node:stream';

/** A file written as a stream's chunks arrive, each with a synchronous write (file-sink.mjs). */
export declare class SyncFileSink extends Writable {
  /** Creates (or truncates) the file now; throws if it cannot. */
  constructor(path: string);
}
