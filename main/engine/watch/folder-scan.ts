// The watch's own walk of its folder: on start, on resume, when the folder comes back, and now and
// then as a backstop for notifications the OS dropped (inotify overflows in big bursts). Streams
// directory entries; memory is one directory handle per level.

import fs from 'node:fs';
import path from 'node:path';
import type { WatchSpec } from '../../../shared/domain';
import { acceptsFile } from './file-filter';
import { isSystemFile } from '../../../shared/media';

export interface ScannedFile {
  path: string;
  size: number;
  mtimeMs: number;
}

/** Every accepted file under `root` with its size and mtime; symlinks are not followed. */
export async function* scanFolder(root: string, filter: WatchSpec['filter'], signal?: AbortSignal, recursive = true): AsyncGenerator<ScannedFile> {
  const stack = [path.resolve(root)];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let handle: fs.Dir;
    try {
      handle = await fs.promises.opendir(dir, { bufferSize: 256 });
    } catch (err) {
      if (dir === path.resolve(root)) throw err; // the root itself: the caller decides (folder missing)
      continue; // a sub-folder removed or unreadable meanwhile
    }
    try {
      for await (const entry of handle) {
        if (signal?.aborted) return;
        if (isSystemFile(entry.name)) continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (recursive) stack.push(full);
        }
        else if (entry.isFile() && acceptsFile(entry.name, filter)) {
          try {
            const st = await fs.promises.stat(full);
            yield { path: full, size: st.size, mtimeMs: st.mtimeMs };
          } catch {
            // vanished between readdir and stat
          }
        }
      }
    } catch (err) {
      if (dir === path.resolve(root)) throw err;
    }
  }
}
