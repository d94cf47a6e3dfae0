// The chokidar adapter: native events, the fall-back to polling when the OS runs out of watches,
// and the sentence the operator sees about it.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsWatcher, watchLimitMessage } from '../../main/engine/watch/fs-watcher';
import { isTemporaryName, acceptsFile } from '../../main/engine/watch/file-filter';
import { watchBatchId } from '../../main/engine/watch/batch-id';
import { batchIdProblem } from '../../shared/ids';
import { sleep, tempDir, until, writeImage } from './fake-engine';

const watchers: FsWatcher[] = [];
afterEach(async () => {
  for (const w of watchers.splice(0)) await w.close();
});

describe('FsWatcher', () => {
  it('names accepted files as they are written, ignores the rest, and reports new folders to list', async () => {
    const root = tempDir('fsw');
    fs.mkdirSync(path.join(root, 'sub'));
    const w = await FsWatcher.open({ root, filter: 'images' });
    watchers.push(w);
    const seen: string[] = [];
    const dirs: string[] = [];
    w.on('file', (p) => seen.push(path.relative(root, p)));
    w.on('dir', (d, recursive) => dirs.push(`${path.relative(root, d)}${recursive ? ' (tree)' : ''}`));
    writeImage(root, 'a.tmp');
    writeImage(root, 'sub/b.png');
    writeImage(root, 'c.jpg');
    writeImage(root, 'later/d.jpg');
    await until(() => seen.includes('sub/b.png') && seen.includes('c.jpg') && dirs.includes('later (tree)'), 'events');
    expect(w.mode).toBe('native');
    expect(seen).not.toContain('a.tmp');
  });

  it('on ENOSPC it switches to polling, explains fs.inotify.max_user_watches, and still sees new files', async () => {
    const root = tempDir('fsw');
    const w = await FsWatcher.open({ root, filter: 'images', pollIntervalMs: 50 });
    watchers.push(w);
    const modes: string[] = [];
    w.on('mode', (m, status) => modes.push(`${m}: ${status}`));
    const dirs: string[] = [];
    w.on('dir', (d) => dirs.push(d));
    w.handleError(Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' }));
    await w.settled();
    expect(w.mode).toBe('polling');
    expect(modes).toHaveLength(1);
    if (process.platform === 'linux') expect(w.status).toMatch(/fs\.inotify\.max_user_watches/);
    await sleep(200);
    writeImage(root, 'after.jpg');
    // Polling names the folder that changed; the watch lists it.
    await until(() => dirs.includes(root), 'polling event');
  });

  it('says why on EMFILE too', () => {
    expect(watchLimitMessage('EMFILE')).toMatch(/EMFILE.*polls/);
  });

  it('polls from the start when asked', async () => {
    const root = tempDir('fsw');
    const w = await FsWatcher.open({ root, filter: 'all', forcePolling: true, pollIntervalMs: 50 });
    watchers.push(w);
    const dirs: string[] = [];
    w.on('dir', (d, recursive) => dirs.push(`${path.relative(root, d) || '.'}${recursive ? ' (tree)' : ''}`));
    await sleep(200); // polling takes its baseline just after `ready`; the watch's own rescan covers that gap
    writeImage(root, 'v.mp4');
    await until(() => dirs.includes('.'), 'polling event for the root');
    writeImage(root, 'new/w.mp4');
    await until(() => dirs.includes('new (tree)'), 'a new folder to list');
    expect(w.mode).toBe('polling');
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('names and ids', () => {
  it('temporary and hidden names', () => {
    for (const n of ['x.tmp', 'x.TMP', 'x.part', 'x.crdownload', '~$book.jpg', '.DS_Store', '.x.jpg', 'Thumbs.db', 'x.jpg~']) expect(isTemporaryName(n)).toBe(true);
    for (const n of ['x.jpg', 'part.jpg', 'tmp.png', 'a~b.jpg']) expect(isTemporaryName(n)).toBe(false);
    expect(acceptsFile('x.JPG', 'images')).toBe(true);
    expect(acceptsFile('x.mp4', 'images')).toBe(false);
    expect(acceptsFile('x.mp4', 'all')).toBe(true);
    expect(acceptsFile('x.txt', 'all')).toBe(false);
  });

  it('batch ids stay within the service rules for any prefix', () => {
    const when = new Date('2026-03-04T05:06:07Z');
    expect(watchBatchId('Camera Drop', 'w-20260304-k3x9q2', 12, when)).toBe('camera-drop-k3x9q2-20260304-050607-12');
    const long = watchBatchId('Ünïcode Folder '.repeat(10), 'w-20260304-k3x9q2', 123456789, when);
    expect(batchIdProblem(long)).toBeNull();
    expect(long.endsWith('-k3x9q2-20260304-050607-123456789')).toBe(true);
    expect(batchIdProblem(watchBatchId('***', 'W_Odd id!', 1, when))).toBeNull();
  });
});
