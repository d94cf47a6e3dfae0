// What a test file leaves behind (temp folders, emulators, child processes), cleaned up after each
// test (or once after all of them): children killed first, then servers stopped, then folders
// deleted, so a failed test leaves nothing running or on disk for the next one.

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';

export interface Scratch {
  /** A new empty folder under the OS temp folder, deleted afterwards. */
  dir(label: string): string;
  /** Stops `server` afterwards. */
  server<T extends { stop(): Promise<void> }>(server: T): T;
  /** Kills `child` afterwards if it is still running. */
  child<T extends ChildProcess>(child: T): T;
}

export function useScratch(scope: 'each' | 'all' = 'each'): Scratch {
  const dirs: string[] = [];
  const servers: { stop(): Promise<void> }[] = [];
  const children: ChildProcess[] = [];
  (scope === 'each' ? afterEach : afterAll)(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const s of servers.splice(0)) await s.stop();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return {
    dir(label) {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), `bd-${label}-`));
      dirs.push(d);
      return d;
    },
    server(server) {
      servers.push(server);
      return server;
    },
    child(child) {
      children.push(child);
      return child;
    },
  };
}
