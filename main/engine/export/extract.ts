// Safe, streaming extraction of .tar and .tar.gz archives (tar-stream + zlib). Members with absolute
// paths or `..`, links that lead outside the target, and special files are refused and reported;
// nothing is ever written outside the target. Each file is written to a temp name and renamed when
// whole, so an interrupted extraction never leaves a half file under its real name. The files written
// are handed to a callback as they come, not gathered: an archive may hold a million of them.

import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import zlib from 'node:zlib';
import tar from 'tar-stream';

export interface RefusedMember {
  name: string;
  reason: string;
}

export interface ExtractResult {
  refused: RefusedMember[];
}

export function isArchiveName(name: string): boolean {
  const n = name.toLowerCase();
  return n.endsWith('.tar') || n.endsWith('.tar.gz') || n.endsWith('.tgz');
}

/** The member's path inside `root`, or a reason to refuse it. */
export function memberTarget(root: string, name: string): { path: string } | { reason: string } {
  const raw = name.replace(/\\/g, '/');
  if (raw.startsWith('/') || /^[a-zA-Z]:/.test(raw)) return { reason: 'absolute path' };
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return { reason: 'path leads outside the target (..)' };
  if (parts.length === 0) return { reason: 'empty name' };
  const target = path.resolve(root, ...parts);
  if (!inside(root, target)) return { reason: 'path leads outside the target' };
  return { path: target };
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The real folder a path would be created in must be inside the real root (no symlinked escape). */
function parentInside(realRoot: string, target: string): boolean {
  let dir = path.dirname(target);
  // Walk up to the nearest existing ancestor and resolve it.
  for (;;) {
    try {
      return inside(realRoot, fs.realpathSync(dir));
    } catch {
      const up = path.dirname(dir);
      if (up === dir) return false;
      dir = up;
    }
  }
}

/** By magic bytes, not by name: some services gzip plain `.tar` names and vice versa. */
function isGzip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    return fs.readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

/** `onFile` is called with each file or link's path once it is in place; an error it throws fails the extraction. */
export async function extractArchive(archivePath: string, targetDir: string, signal?: AbortSignal, onFile?: (file: string) => void): Promise<ExtractResult> {
  fs.mkdirSync(targetDir, { recursive: true });
  const root = path.resolve(targetDir);
  const realRoot = fs.realpathSync(root);
  const result: ExtractResult = { refused: [] };
  const extract = tar.extract();
  const gz = isGzip(archivePath);

  extract.on('entry', (header, stream, next) => {
    const refuse = (reason: string) => {
      result.refused.push({ name: header.name, reason });
      stream.resume();
      stream.on('end', () => next());
    };
    const where = memberTarget(root, header.name);
    if ('reason' in where) return refuse(where.reason);
    const target = where.path;
    if (!parentInside(realRoot, target)) return refuse('path leads outside the target through a link');
    const type = header.type;
    if (type === 'directory') {
      fs.mkdirSync(target, { recursive: true });
      stream.resume();
      stream.on('end', () => next());
      return;
    }
    if (type === 'symlink' || type === 'link') {
      const linkname = header.linkname ?? '';
      if (path.isAbsolute(linkname) || /^[a-zA-Z]:/.test(linkname)) return refuse('link to an absolute path');
      // A ".." after a name would climb through whatever that name is when the link is followed,
      // which a later member can make a link: only leading ".." and then names.
      if (type === 'symlink' && path.posix.normalize(linkname).replace(/\/+$/, '') !== linkname.replace(/\/+$/, '')) {
        return refuse('link target is not a plain relative path');
      }
      const dest = type === 'symlink' ? path.resolve(path.dirname(target), linkname) : path.resolve(root, linkname);
      if (!inside(root, dest)) return refuse('link leads outside the target');
      stream.resume();
      stream.on('end', () => {
        let made = false;
        try {
          fs.mkdirSync(path.dirname(target), { recursive: true });
          // From where the link really is: its folder may be reached through an earlier link ("s -> .").
          if (type === 'symlink' && !inside(realRoot, path.resolve(fs.realpathSync(path.dirname(target)), linkname))) {
            throw new Error('link leads outside the target');
          }
          fs.rmSync(target, { force: true });
          if (type === 'symlink') fs.symlinkSync(linkname, target);
          else {
            if (!inside(realRoot, fs.realpathSync(dest))) throw new Error('link leads outside the target');
            fs.linkSync(dest, target);
          }
          made = true;
        } catch (err) {
          result.refused.push({ name: header.name, reason: (err as Error).message });
        }
        // Outside the try: the callback's own failure (a full disk) is no reason to refuse the member.
        try {
          if (made) onFile?.(target);
        } catch (err) {
          return next(err as Error);
        }
        next();
      });
      return;
    }
    if (type !== 'file' && type !== 'contiguous-file') return refuse(`unsupported member type ${type}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.extracting`;
    pipeline(stream, fs.createWriteStream(tmp, { mode: 0o644 })).then(
      () => {
        try {
          fs.rmSync(target, { force: true, recursive: false });
          fs.renameSync(tmp, target);
          onFile?.(target);
          next();
        } catch (err) {
          next(err as Error);
        }
      },
      (err: Error) => next(err),
    );
  });

  const source = fs.createReadStream(archivePath, { highWaterMark: 1 << 20 });
  const stages: (NodeJS.ReadableStream | NodeJS.WritableStream | Readable | Writable)[] = [source];
  if (gz) stages.push(zlib.createGunzip());
  stages.push(extract as unknown as Writable);
  await pipeline(stages as unknown as [Readable, Writable], { signal });
  return result;
}
