// Streams a tar shard straight from the source files (no temp file, 64 KiB reads). Each member is
// read for exactly its planned size; a file that shrank makes tar-stream fail the archive (size
// mismatch), so a PUT never carries a body that differs from its Content-Length without failing.

import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { pack as tarPack } from 'tar-stream';
import type { PlanEntry } from './plan';

export function tarStream(members: readonly Pick<PlanEntry, 'sourcePath' | 'batchName' | 'size' | 'mtimeMs'>[]): Readable {
  const pack = tarPack();
  const run = async () => {
    for (const m of members) {
      if (pack.destroyed) return;
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ name: m.batchName, size: m.size, mode: 0o644, mtime: new Date(m.mtimeMs), type: 'file' }, (err) =>
          err ? reject(err) : resolve(),
        );
        entry.on('error', reject);
        const src = fs.createReadStream(m.sourcePath, { start: 0, end: Math.max(0, m.size - 1), highWaterMark: 64 * 1024 });
        src.on('error', (e) => {
          entry.destroy(e);
          reject(e);
        });
        src.pipe(entry as unknown as NodeJS.WritableStream);
      });
    }
    pack.finalize();
  };
  run().catch((e: unknown) => pack.destroy(e as Error));
  return pack as unknown as Readable;
}
