// Whether one absolute path lies inside a folder: by whole path segments, so /data/cams2 is not
// inside /data/cams.

import path from 'node:path';

/** True when `p` lies strictly inside `folder` (not when they are equal). */
export function isInside(p: string, folder: string): boolean {
  return p.startsWith(folder.endsWith(path.sep) ? folder : folder + path.sep);
}
