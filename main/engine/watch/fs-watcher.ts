// The file-system watcher behind a watch: chokidar wrapped so the rest of the watch sees only
// domain events (look at this file, look at this folder, the root may be gone) and a mode with a
// plain sentence. Native notifications are used where they work; on network mounts, or when the OS
// runs out of watches (ENOSPC/EMFILE), it switches to polling and says why.
//
// chokidar watches folders only. Left to itself it opens one fs.watch per file (about 12 KB each:
// 100,000 files would cost over a gigabyte); a folder's own watch already names every file created,
// written or removed in it (chokidar's `raw` event), and in polling mode a changed folder is listed
// again by the watch. So files are `ignored` here and memory grows with folders, not files.

import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { WatchSpec } from '../../../shared/domain';
import { isSystemFile } from '../../../shared/media';
import { acceptsFile } from './file-filter';

export type WatcherMode = 'native' | 'polling';

/** When no event has shown a new folder's watch to be live, list the folder again after this long. */
const NEW_DIR_SETTLE_MS = 1500;

export interface FsWatcherOptions {
  root: string;
  filter: WatchSpec['filter'];
  /** Poll from the start (tests, or an operator who knows the mount is remote). */
  forcePolling?: boolean;
  /** How often polling looks at each file (ms). */
  pollIntervalMs?: number;
}

export interface FsWatcherEvents {
  /** Something happened to this file (created, written, renamed, removed): look at it. */
  file: [path: string];
  /** Look at this folder's files: a new folder (recursive), or a polled folder that changed. */
  dir: [path: string, recursive: boolean];
  /** The root was removed or an error suggests it is unreachable: check it. */
  root: [];
  /** Switched to polling; the sentence says why. */
  mode: [mode: WatcherMode, status: string];
  /** An error that did not stop the watcher (logged by the owner). */
  problem: [error: Error];
}

// statfs(2) magic numbers of file systems whose change notifications do not cross the network.
const REMOTE_FS: Record<number, string> = {
  0x6969: 'NFS',
  0x517b: 'SMB',
  0xff534d42: 'CIFS',
  0xfe534d42: 'SMB2',
  0x65735546: 'FUSE',
  0x01021997: '9P',
  0x73757245: 'Coda',
  0x5346414f: 'AFS',
  0x00c36400: 'Ceph',
};

/** The name of a network/FUSE file system the folder is on, or null (Linux only; elsewhere null). */
export async function remoteFileSystem(folder: string): Promise<string | null> {
  if (process.platform !== 'linux') return null;
  try {
    const s = await fs.promises.statfs(folder);
    return REMOTE_FS[s.type >>> 0] ?? null;
  } catch {
    return null;
  }
}

/** The operator-facing sentence for a watch-limit error, with the Linux setting to raise. */
export function watchLimitMessage(code: string): string {
  const base =
    code === 'EMFILE'
      ? 'The system ran out of open files for change notifications (EMFILE), so this watch polls the folder instead.'
      : 'The system limit on watched files was reached (ENOSPC), so this watch polls the folder instead.';
  if (process.platform !== 'linux') return base;
  return `${base} To watch natively, raise fs.inotify.max_user_watches (e.g. \`sudo sysctl fs.inotify.max_user_watches=524288\`, and add it to /etc/sysctl.conf to keep it), then resume the watch.`;
}

export function isWatchLimitError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EMFILE';
}

/** chokidar's `ignored`: every file (the folders' watches report them) and hidden entries. */
function ignoreFilesAndHidden(root: string) {
  return (p: string, stats?: fs.Stats): boolean => {
    if (stats?.isFile()) return true;
    const abs = path.resolve(p);
    return abs !== root && isSystemFile(path.basename(abs)); // hidden folders are skipped whole
  };
}

export class FsWatcher extends EventEmitter<FsWatcherEvents> {
  private watcher: FSWatcher | null = null;
  private closed = false;
  private switching: Promise<void> | null = null;
  /** New folders whose watch may not be live yet, with their fallback timers. */
  private readonly newDirs = new Map<string, NodeJS.Timeout>();
  /** Releases a wait for `ready` when its watcher is closed first. */
  private releaseReady: (() => void) | null = null;
  mode: WatcherMode = 'native';
  status = '';

  private constructor(private readonly opts: FsWatcherOptions) {
    super();
  }

  /**
   * Resolves once the watcher is ready. In polling mode a file written in the instant after `ready`
   * can be missed (the first poll takes its baseline after it); the watch rescans after `ready`.
   */
  static async open(opts: FsWatcherOptions): Promise<FsWatcher> {
    const w = new FsWatcher(opts);
    const remote = opts.forcePolling ? null : await remoteFileSystem(opts.root);
    if (opts.forcePolling) {
      w.mode = 'polling';
      w.status = 'Polling the folder for changes.';
    } else if (remote) {
      w.mode = 'polling';
      w.status = `The folder is on a network file system (${remote}), where change notifications do not arrive, so this watch polls it.`;
    }
    await w.startChokidar();
    await w.settled();
    return w;
  }

  /** For tests and for errors seen elsewhere: treat this error as the watcher's own. */
  handleError(err: Error): void {
    if (this.closed) return;
    if (isWatchLimitError(err) && this.mode === 'native') {
      this.switching ??= this.switchToPolling(watchLimitMessage(err.code!)).finally(() => (this.switching = null));
      return;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM') this.emit('root');
    this.emit('problem', err);
  }

  /** Resolves when a switch to polling (if one is under way) is complete. */
  async settled(): Promise<void> {
    await this.switching;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.newDirs.values()) clearTimeout(t);
    this.newDirs.clear();
    this.releaseReady?.();
    await this.switching?.catch(() => undefined);
    const w = this.watcher;
    this.watcher = null;
    await w?.close();
  }

  private settleNewDir(dir: string): void {
    const timer = this.newDirs.get(dir);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.newDirs.delete(dir);
    if (!this.closed) this.emit('dir', dir, true);
  }

  private async switchToPolling(status: string): Promise<void> {
    const old = this.watcher;
    this.watcher = null;
    this.releaseReady?.();
    await old?.close();
    if (this.closed) return;
    this.mode = 'polling';
    this.status = status;
    await this.startChokidar();
    this.emit('mode', this.mode, this.status);
  }

  private startChokidar(): Promise<void> {
    const root = path.resolve(this.opts.root);
    const polling = this.mode === 'polling';
    const interval = this.opts.pollIntervalMs ?? 1000;
    const w = watch(root, {
      ignored: ignoreFilesAndHidden(root),
      ignoreInitial: true, // the watch does its own scan, journaled and resumable
      persistent: true,
      followSymlinks: false,
      usePolling: polling,
      interval,
      binaryInterval: interval,
      ignorePermissionErrors: true,
      awaitWriteFinish: false, // stability is the watch's own, journaled and testable
    });
    this.watcher = w;
    const filter = this.opts.filter;
    w.on('raw', (_event, evPath, details) => {
      const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
      if (watched !== undefined) {
        // The first event from a new folder proves its watch is live: list it once more.
        if (this.newDirs.has(watched)) this.settleNewDir(watched);
        // Native: a folder's watch names the entry that changed.
        if (!evPath) return this.emit('dir', watched, false); // the OS lost track (overflow): list it again
        const full = path.resolve(watched, evPath);
        if (acceptsFile(path.basename(full), filter)) this.emit('file', full);
      } else if (polling && evPath) {
        this.emit('dir', path.resolve(evPath), false); // a polled folder changed (a file came or went)
      }
    });
    w.on('addDir', (p) => {
      const dir = path.resolve(p);
      if (dir === root) return;
      // chokidar announces a new folder before its own watch on it is set up: files written in
      // between have no event. List it now (files copied in with it), and again once its watch is
      // live (its first event) or, failing an event, after a short while.
      this.emit('dir', dir, true);
      if (!polling && !this.newDirs.has(dir)) {
        this.newDirs.set(dir, setTimeout(() => this.settleNewDir(dir), NEW_DIR_SETTLE_MS));
      }
    });
    w.on('unlinkDir', (p) => {
      if (path.resolve(p) === root) this.emit('root');
    });
    w.on('error', (err) => this.handleError(err as Error));
    return new Promise<void>((resolve) => {
      this.releaseReady = resolve;
      w.once('ready', () => resolve());
    });
  }
}
