// A watched folder that becomes unreadable pauses the watch with a clear status, and the watch
// resumes by itself once it can read the folder again. Root reads any folder whatever its mode,
// so under root (as in CI) this file's worker process — vitest gives each test file its own —
// first drops to the unprivileged `nobody` user, and the permission change is then real.

import fs from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WatchManager } from '../../main/engine/watch/manager';
import type { Engine } from '../../main/engine/pipeline/engine';
import { batchesOf, fakeEngine, spec, tempDir, until, writeImage } from './fake-engine';

const NOBODY = 65534;
const timing = { stableMs: 150, folderCheckMs: 150, pollIntervalMs: 80, seenFlushMs: 20 };
const open: { manager: WatchManager; engine: Engine }[] = [];

beforeAll(() => {
  if (process.getuid?.() === 0) {
    process.setgroups!([]);
    process.setgid!(NOBODY);
    process.setuid!(NOBODY);
  }
  expect(process.getuid?.()).not.toBe(0);
});

afterEach(async () => {
  for (const { manager, engine } of open.splice(0)) {
    await manager.close();
    await engine.close();
  }
});

describe('a folder that cannot be read', () => {
  it('pauses the watch until it can be read again', async () => {
    const data = tempDir('data');
    const engine = fakeEngine(data);
    const manager = new WatchManager({ dataDir: data, engine, timing, changeIntervalMs: 20 });
    open.push({ manager, engine });
    await manager.start();
    const folder = tempDir('in');
    const w = manager.add(spec(folder, tempDir('out')));
    await manager.idle();
    fs.chmodSync(folder, 0o000);
    try {
      const s = await until(() => manager.get(w.id).state === 'folder-missing' && manager.get(w.id), 'unreadable');
      expect(s.status).toMatch(/cannot be read \(permission denied\)/);
    } finally {
      fs.chmodSync(folder, 0o755);
    }
    writeImage(folder, 'readable-again.jpg');
    await until(() => batchesOf(engine).length === 1, 'batch after access is back');
    expect(batchesOf(engine)).toEqual([['readable-again.jpg']]);
  });
});
