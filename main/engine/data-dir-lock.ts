// One engine per data folder. Two processes running the same items (the desktop app and a
// `batch-desk resume`, say) would each send what the other is sending, so the second one is
// refused with a plain message. A lock left by a process that died (kill -9, power loss) is
// taken over: its pid no longer runs.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError } from './roboflow/http';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export function acquireDataDirLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'engine.lock');
  const me: LockOwner = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify(me));
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      return () => releaseIfMine(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner(file);
    // Same process (a second engine in tests or after a reload) or a dead one: take it over.
    if (owner && owner.pid !== process.pid && owner.host === me.host && isRunning(owner.pid)) {
      throw new ApiError(
        `Another Batch Desk process (pid ${owner.pid}, since ${owner.startedAt}) is using the data folder ${dataDir}. ` +
          'Close it first, or give this one its own folder with --data-dir.',
        'conflict',
        'open data folder',
      );
    }
    if (owner && owner.host !== me.host) {
      throw new ApiError(
        `The data folder ${dataDir} is in use by Batch Desk on ${owner.host} (pid ${owner.pid}). Use a folder of this machine's own.`,
        'conflict',
        'open data folder',
      );
    }
    fs.rmSync(file, { force: true });
  }
  throw new ApiError(`Could not lock the data folder ${dataDir}.`, 'io', 'open data folder');
}

function readOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return undefined; // torn or vanished: treat as stale
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseIfMine(file: string): void {
  if (readOwner(file)?.pid === process.pid) fs.rmSync(file, { force: true });
}
