// One engine per data folder. Two processes running the same items (the desktop app and a
// `batch-desk resume`, say) would each send what the other is sending, so the second one is
// refused with a plain message. A lock left by a process that died (kill -9, power loss) is
// taken over: its pid no longer runs, or (Linux) the machine has booted since, or the pid now
// belongs to another process (pids are reused, often in the same order after a reboot).
//
// The lock file appears whole (written aside, then hard-linked into place), so a reader never
// sees it empty; and a stale one is removed only under a second, short-lived lock, and only if it
// is still the one found stale, so two processes taking over at once never both end up owners.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError } from './roboflow/http';
import { isProcessRunning } from './process-alive';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** Linux: the boot the process ran in. */
  bootId?: string;
  /** Linux: when the process started, in clock ticks since boot (/proc/<pid>/stat). */
  pidStart?: string;
}

const ATTEMPTS = 5;

/** The data folder's lock, held by the process running its items. */
const DATA_DIR_LOCK = 'engine.lock';

/** A folder one process at a time works in, as its refusals name it. */
export interface LockedFolder {
  dir: string;
  /** The lock file's name in `dir`. */
  file: string;
  /** "the data folder /x", "the output folder /y" */
  what: string;
  /** What to do when a live process holds it. */
  advice: string;
  /** The operation, in errors. */
  operation: string;
}

export function acquireDataDirLock(dataDir: string): () => void {
  return acquireFolderLock({
    dir: dataDir,
    file: DATA_DIR_LOCK,
    what: `the data folder ${dataDir}`,
    advice: 'Close it first, or give this one its own folder with --data-dir.',
    operation: 'open data folder',
  });
}

export function acquireFolderLock(folder: LockedFolder): () => void {
  fs.mkdirSync(folder.dir, { recursive: true });
  const file = path.join(folder.dir, folder.file);
  const me: LockOwner = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), bootId: bootId(), pidStart: pidStart(process.pid) };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (createWhole(file, me)) return () => releaseIfMine(file);
    const seen = readText(file);
    const owner = parseOwner(seen);
    if (owner && owner.host !== me.host) {
      throw new ApiError(
        `${capitalized(folder.what)} is in use by Batch Desk on ${owner.host} (pid ${owner.pid}). Use a folder of this machine's own.`,
        'conflict',
        folder.operation,
      );
    }
    // Same process (a second engine in tests or after a reload) or a dead one: take it over.
    if (owner && owner.pid !== process.pid && isAlive(owner)) {
      throw new ApiError(`Another Batch Desk process (pid ${owner.pid}, since ${owner.startedAt}) is using ${folder.what}. ${folder.advice}`, 'conflict', folder.operation);
    }
    if (seen !== undefined) removeIfUnchanged(file, seen, me);
  }
  throw new ApiError(`Could not lock ${folder.what}: other processes kept taking it. Try again.`, 'io', folder.operation);
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The process holding the data folder, if one is alive; read-only (never takes, removes or creates
 * anything), for commands that only look, such as `batch-desk status`. A holder on another machine
 * cannot be checked from here, so it counts as alive.
 */
export function liveDataDirHolder(dataDir: string): { pid: number; host: string; startedAt: string } | undefined {
  const owner = parseOwner(readText(path.join(dataDir, DATA_DIR_LOCK)));
  if (!owner) return undefined;
  if (owner.host !== os.hostname() || isAlive(owner)) return { pid: owner.pid, host: owner.host, startedAt: owner.startedAt };
  return undefined;
}

/** Creates `file` with the owner in it, whole, unless it exists. */
function createWhole(file: string, owner: LockOwner): boolean {
  const aside = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  const fd = fs.openSync(aside, 'wx', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(owner));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(aside, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/** Removes the stale lock `seen`, under the takeover lock, unless another process replaced it meanwhile. */
function removeIfUnchanged(file: string, seen: string, me: LockOwner): void {
  const guard = `${file}.takeover`;
  if (!createWhole(guard, me)) {
    // Another process is taking over; its guard lives for a few system calls, unless it died holding it.
    const holder = parseOwner(readText(guard));
    if (!holder || !isAlive(holder)) fs.rmSync(guard, { force: true });
    return;
  }
  try {
    if (readText(file) === seen) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // vanished
  }
}

function parseOwner(text: string | undefined): LockOwner | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as LockOwner;
  } catch {
    return undefined; // unreadable: stale
  }
}

/** Whether the owner still runs: its pid runs, in this boot, and is the same process (Linux tells). */
function isAlive(owner: LockOwner): boolean {
  const boot = bootId();
  if (owner.bootId && boot && owner.bootId !== boot) return false;
  if (!isProcessRunning(owner.pid)) return false;
  const start = pidStart(owner.pid);
  return !(owner.pidStart && start && owner.pidStart !== start);
}

function bootId(): string | undefined {
  return readText('/proc/sys/kernel/random/boot_id')?.trim() || undefined;
}

/** Field 22 of /proc/<pid>/stat, counted after the command name (which may hold spaces and parentheses). */
function pidStart(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function releaseIfMine(file: string): void {
  if (parseOwner(readText(file))?.pid === process.pid) fs.rmSync(file, { force: true });
}
