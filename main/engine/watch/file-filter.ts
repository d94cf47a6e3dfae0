// Which files a watch takes. Temporary names (browsers, office apps, copy tools) and hidden files
// are never content: they are renamed or removed once the write is done, and the final name
// arrives as its own event.

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
