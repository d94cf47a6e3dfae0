// File descriptors this process holds open on a file (Linux, /proc/self/fd), for tests that check
// nothing is left open.

import fs from 'node:fs';

export function openOn(file: string): number {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      // the listing's own fd, closed by now
    }
  }
  return n;
}

/** The count once it drops to 0 (a stream's fd closes a few turns after destroy), or after `ms`. */
export async function openAfterClose(file: string, ms = 2000): Promise<number> {
  const end = Date.now() + ms;
  while (openOn(file) > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return openOn(file);
}
