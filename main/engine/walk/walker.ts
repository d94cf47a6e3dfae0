// Walks one or many roots (folders or single files) and yields every media file with its size and
// mtime, or a rejection with a readable reason. Streaming: directories are read with fs.opendir and
// only the pending entries of the folders on the current path are held, so memory is bounded by the
// largest single folder, not the tree. Order is deterministic: names sorted by code unit, depth first.

import fs from 'node:fs';
import path from 'node:path';
import { MAX_IMAGE_BYTES, isSystemFile, mediaKindOf } from '../../../shared/media';
import type { Rejection } from '../../../shared/domain';

export interface WalkOptions {
  followSymlinks?: boolean;
  signal?: AbortSignal;
  /** Plain files are stat'ed in runs of this many between yields to the event loop. */
  statConcurrency?: number;
}

export interface WalkedFile {
  type: 'file';
  sourcePath: string;
  /** Path segments from the root's own name down to the file name, used to derive the batch name. */
  segments: string[];
  size: number;
  mtimeMs: number;
  kind: 'image' | 'video';
}

export interface WalkedRejection {
  type: 'rejected';
  rejection: Rejection;
}

export type WalkItem = WalkedFile | WalkedRejection;

interface Pending {
  /** Absolute path of the folder whose entries these are. */
  dir: string;
  segments: string[];
  names: string[];
  /** Parallel to names: the dirent type if known ('f', 'd', 'l', '?'). */
  types: string[];
  next: number;
  /** Identity (dev:ino) of the folder, for loop detection when following links. */
  id: string;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function* walk(roots: string[], opts: WalkOptions = {}): AsyncGenerator<WalkItem> {
  const follow = opts.followSymlinks ?? false;
  for (const rootArg of roots) {
    const root = path.resolve(rootArg);
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(root);
    } catch (err) {
      yield reject(root, errnoReason(err), errnoMessage(err, root));
      continue;
    }
    const rootName = path.basename(root) || 'root';
    if (st.isFile()) {
      // A single file named on the command line (or by a watch) is always taken as given.
      yield classify(root, [rootName], st);
      continue;
    }
    if (!st.isDirectory()) {
      yield reject(root, 'unreadable', `${root} is not a regular file or folder.`);
      continue;
    }
    yield* walkTree(root, rootName, st, follow, opts);
  }
}

async function* walkTree(root: string, rootName: string, rootStat: fs.Stats, follow: boolean, opts: WalkOptions): AsyncGenerator<WalkItem> {
  const stack: Pending[] = [];
  const ancestors = new Set<string>();
  const first = await readFolder(root, [rootName], `${rootStat.dev}:${rootStat.ino}`, opts.signal);
  if ('error' in first) {
    yield reject(root, 'unreadable', errnoMessage(first.error, root));
    return;
  }
  stack.push(first);
  ancestors.add(first.id);
  const runLength = opts.statConcurrency ?? 64;

  while (stack.length > 0) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    const top = stack[stack.length - 1]!;
    if (top.next >= top.names.length) {
      stack.pop();
      ancestors.delete(top.id);
      continue;
    }
    // Take a run of consecutive plain files and stat them in parallel; stop at the first folder
    // or link so depth-first order is preserved.
    const start = top.next;
    let end = start;
    while (end < top.names.length && end - start < runLength && top.types[end] === 'f') end++;
    if (end > start) {
      top.next = end;
      // Synchronous lstat: on common file systems it is several times cheaper than a thread-pool
      // round trip, and a run of 64 blocks the event loop for about a millisecond at most.
      for (let i = start; i < end; i++) yield statFileSync(path.join(top.dir, top.names[i]!), [...top.segments, top.names[i]!]);
      continue;
    }
    const name = top.names[top.next]!;
    top.next++;
    const full = path.join(top.dir, name);
    const segments = [...top.segments, name];

    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(full);
    } catch (err) {
      yield reject(full, errnoReason(err), errnoMessage(err, full));
      continue;
    }
    if (st.isSymbolicLink()) {
      if (!follow) {
        yield reject(full, 'symlink-skipped', `${full} is a symbolic link; links are not followed (enable "follow symbolic links" to include them).`);
        continue;
      }
      try {
        st = await fs.promises.stat(full);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') yield reject(full, 'symlink-loop', `${full} is a symbolic link that points back to itself.`);
        else yield reject(full, 'vanished', `${full} is a symbolic link whose target does not exist.`);
        continue;
      }
    }
    if (st.isDirectory()) {
      const id = `${st.dev}:${st.ino}`;
      if (ancestors.has(id)) {
        yield reject(full, 'symlink-loop', `${full} leads back into a folder above it (a symbolic link loop); not followed.`);
        continue;
      }
      const folder = await readFolder(full, segments, id, opts.signal);
      if ('error' in folder) {
        yield reject(full, errnoReason(folder.error), errnoMessage(folder.error, full));
        continue;
      }
      stack.push(folder);
      ancestors.add(id);
      continue;
    }
    yield classify(full, segments, st);
  }
}

function statFileSync(full: string, segments: string[]): WalkItem {
  try {
    const st = fs.lstatSync(full, { throwIfNoEntry: false });
    if (!st) return reject(full, 'vanished', `${full} vanished while the folder was being read.`);
    return classify(full, segments, st);
  } catch (err) {
    return reject(full, errnoReason(err), errnoMessage(err, full));
  }
}

async function readFolder(dir: string, segments: string[], id: string, signal?: AbortSignal): Promise<Pending | { error: unknown }> {
  const names: string[] = [];
  const typeOf = new Map<string, string>();
  try {
    const handle = await fs.promises.opendir(dir, { bufferSize: 256 });
    for await (const d of handle) {
      if (isSystemFile(d.name)) continue;
      names.push(d.name);
      typeOf.set(d.name, d.isFile() ? 'f' : d.isDirectory() ? 'd' : d.isSymbolicLink() ? 'l' : '?');
      if (signal?.aborted) break;
    }
  } catch (err) {
    return { error: err };
  }
  names.sort(compare);
  return { dir, segments, names, types: names.map((n) => typeOf.get(n)!), next: 0, id };
}

/** Turns a stat of a (non-directory) path into a planned file or a rejection. */
function classify(full: string, segments: string[], st: fs.Stats): WalkItem {
  const name = segments[segments.length - 1]!;
  if (st.isSymbolicLink()) {
    return reject(full, 'symlink-skipped', `${full} is a symbolic link; links are not followed.`);
  }
  const kind = mediaKindOf(name);
  if (kind === 'other') {
    return reject(full, 'unsupported-type', `${full} is not a supported image or video type.`);
  }
  if (!st.isFile()) {
    return reject(full, 'unreadable', `${full} is not a regular file (a device, pipe or socket) and cannot be read.`);
  }
  if (st.size === 0) return reject(full, 'empty', `${full} is empty (0 bytes).`);
  if (kind === 'image' && st.size > MAX_IMAGE_BYTES) {
    return reject(full, 'too-large', `${full} is ${(st.size / 1048576).toFixed(1)} MiB; the service accepts images up to 20 MiB.`);
  }
  return { type: 'file', sourcePath: full, segments, size: st.size, mtimeMs: Math.floor(st.mtimeMs), kind };
}

function reject(sourcePath: string, reason: Rejection['reason'], message: string): WalkedRejection {
  return { type: 'rejected', rejection: { sourcePath, reason, message } };
}

function errnoReason(err: unknown): Rejection['reason'] {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'vanished';
  if (code === 'ELOOP') return 'symlink-loop';
  return 'unreadable';
}

function errnoMessage(err: unknown, p: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${p} vanished while the folder was being read.`;
  if (code === 'EACCES' || code === 'EPERM') return `${p} cannot be read (permission denied).`;
  if (code === 'ELOOP') return `${p} is part of a symbolic link loop.`;
  return `${p} cannot be read (${code ?? (err as Error).message}).`;
}
