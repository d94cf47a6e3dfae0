// Whole-file state (settings, item records) written so a crash leaves either the old or the new
// version, never a mix: write a temp file, fsync it, rename over the target, fsync the folder.

import fs from 'node:fs';
import path from 'node:path';

export function writeFileAtomic(filePath: string, data: string | Uint8Array, mode = 0o600): void {
  replaceAtomically(filePath, mode, (fd) => writeFully(fd, typeof data === 'string' ? Buffer.from(data) : data));
}

/** Lines are gathered into writes of about this size: constant memory however many lines there are. */
const LINE_CHUNK_CHARS = 64 * 1024;

/**
 * Like writeFileAtomic, for content too large to hold as one string: each line (without its
 * newline) is written as it comes from `lines`. Returns the number of lines written.
 */
export function writeLinesAtomic(filePath: string, lines: Iterable<string>, mode = 0o600): number {
  let count = 0;
  replaceAtomically(filePath, mode, (fd) => {
    let pending = '';
    for (const line of lines) {
      pending += line + '\n';
      count++;
      if (pending.length >= LINE_CHUNK_CHARS) {
        writeFully(fd, Buffer.from(pending));
        pending = '';
      }
    }
    if (pending) writeFully(fd, Buffer.from(pending));
  });
  return count;
}

/** Temp file beside the target (same file system, so the rename is atomic), fsync'ed, renamed over it. */
function replaceAtomically(filePath: string, mode: number, write: (fd: number) => void): void {
  const dir = path.dirname(filePath);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `${tempPrefix(filePath)}${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    write(fd);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true }); // a failed write (disk full) leaves no half file behind
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, filePath);
  fsyncDir(dir);
}

function tempPrefix(filePath: string): string {
  return `.${path.basename(filePath)}.`;
}

/**
 * Deletes the temp files a crash in the middle of writing `filePath` left behind (they can be as
 * large as the file). Only for a file no other process writes: the data folder's owner.
 */
export function removeLeftoverTemps(filePath: string): void {
  const dir = path.dirname(filePath);
  const prefix = tempPrefix(filePath);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const name of names) if (name.startsWith(prefix) && name.endsWith('.tmp')) fs.rmSync(path.join(dir, name), { force: true });
}

/** Writes all of `data` (a single write may take only part of it). */
export function writeFully(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off, data.length - off);
}

export function writeJsonAtomic(filePath: string, value: unknown): void {
  writeFileAtomic(filePath, JSON.stringify(value, null, 2) + '\n');
}

export function readJson<T>(filePath: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(filePath, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some platforms (Windows) cannot open a directory for fsync; rename is still atomic there.
  }
}

/** fdatasync of a file written elsewhere (its data and size), on the thread pool. */
export async function syncFileData(filePath: string): Promise<void> {
  const fh = await fs.promises.open(filePath, 'r');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}
