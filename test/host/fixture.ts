// A whole main side for tests: an app host over a temp data dir, with a recording log and an
// in-memory keychain (the real OS keychain has its own test in test/security).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { KeychainStatus } from '../../shared/domain';
import type { Keychain } from '../../main/engine/keychain/os-keychain';
import { createLogger } from '../../main/engine/log';
import { createAppHost, type AppHostOptions } from '../../main/host/app-host';

export function memoryKeychain(status: KeychainStatus = { available: true }): Keychain & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    status: async () => status,
    get: async (a) => entries.get(a) ?? null,
    set: async (a, s) => void entries.set(a, s),
    delete: async (a) => void entries.delete(a),
  };
}

const tempDirs: string[] = [];
// Removed once the test file is done (after its own afterAll hooks, which close the apps using them).
afterAll(() => {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

export function testApp(opts: Partial<AppHostOptions> & { keychain?: ReturnType<typeof memoryKeychain> } = {}) {
  const dataDir = opts.dataDir ?? tempDir('bd-host-');
  const logLines: string[] = [];
  const keychain = opts.keychain ?? memoryKeychain();
  const app = createAppHost({
    dataDir,
    platform: { mode: 'web' },
    env: {},
    log: createLogger([{ write: (l) => logLines.push(l) }], 'debug'),
    progressIntervalMs: 20,
    ...opts,
    keychain,
  });
  return { ...app, dataDir, logLines, keychain };
}
