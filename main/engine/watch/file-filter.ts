// Which files a watch takes. Temporary names (browsers, office apps, copy tools) and hidden files
// are never content: they are renamed or removed once the write is done, and the final name
// arrives as its own event.

import path from 'node:path';
import type { WatchSpec } from '../../../shared/domain';
import { isSystemFile, mediaKindOf } from '../../../shared/media';

const TEMP_SUFFIXES = ['.tmp', '.temp', '.part', '.partial', '.crdownload', '.download', '.filepart', '.swp', '~'];

/** True for names a writer uses while a file is incomplete, and for dotfiles / OS bookkeeping. */
export function isTemporaryName(fileName: string): boolean {
  if (isSystemFile(fileName)) return true;
  if (fileName.startsWith('~$')) return true;
  const lower = fileName.toLowerCase();
  return TEMP_SUFFIXES.some((s) => lower.endsWith(s));
}

/** True when a file of this name belongs in the watch's batches. */
export function acceptsFile(fileName: string, filter: WatchSpec['filter']): boolean {
  if (isTemporaryName(fileName)) return false;
  const kind = mediaKindOf(fileName);
  if (filter === 'images') return kind === 'image';
  if (filter === 'videos') return kind === 'video';
  return kind !== 'other';
}

/**
 * The `ignored` function for the watcher: hidden folders under the root are skipped entirely, files
 * are kept only when accepted. chokidar calls it twice per path (without and with stats), so a
 * path is ignored early only when its name alone decides.
 */
export function ignoreForWatch(root: string, filter: WatchSpec['filter']) {
  const base = path.resolve(root);
  return (p: string, stats?: { isFile(): boolean; isDirectory(): boolean }): boolean => {
    const abs = path.resolve(p);
    if (abs === base) return false;
    const name = path.basename(abs);
    if (isSystemFile(name)) return true; // hidden files and hidden folders alike
    if (stats?.isFile()) return !acceptsFile(name, filter);
    return false;
  };
}
