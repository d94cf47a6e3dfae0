// An upload aborted in the middle of a large image (streamed from disk, not read in one go) must
// close that file: a long desktop session of pauses and retries would otherwise run out of file
// descriptors ("too many open files"). Checked with the process's own descriptor table.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { tarStream } from '../../main/engine/ingest/tar-pack';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-tar-abort-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Descriptors this process holds open on `file`. */
function openOn(file: string): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false; // closed meanwhile (the listing's own descriptor)
    }
  }).length;
}

it('closes a large image being streamed when its archive is destroyed mid-way', async () => {
  const big = path.join(dir, 'big.jpg');
  fs.writeFileSync(big, Buffer.alloc(5 * 1024 * 1024, 7)); // over the 1 MiB read-in-one-go limit
  const archive = tarStream([{ sourcePath: big, batchName: 'big.jpg', size: 5 * 1024 * 1024, mtimeMs: 1_700_000_000_000 }]);
  let bytes = 0;
  await new Promise<void>((resolve) => {
    archive.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > 1024 * 1024) {
        archive.pause();
        resolve();
      }
    });
  });
  expect(openOn(big)).toBe(1); // being read

  archive.destroy(new Error('upload aborted'));
  archive.on('error', () => undefined);
  await new Promise((r) => setTimeout(r, 100));
  expect(openOn(big)).toBe(0);
});
