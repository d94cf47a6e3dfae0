// The API key in the real OS keychain (Secret Service over D-Bus), and the plain "no keychain"
// answer when D-Bus is absent. `npm test` runs vitest inside a private D-Bus session with an
// unlocked gnome-keyring and sets BATCH_DESK_KEYCHAIN_TEST=1; then a missing Secret Service is a
// failure, not a skip. Without that variable the real-keychain test starts its own session when it
// can (dbus-run-session + gnome-keyring-daemon installed).
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_KEYCHAIN_MESSAGE } from '../../main/engine/keychain';
import { startEmulator, type Emulator } from '../emulator/server';
import { tempDir } from '../host/fixture';
import { keychainRoundTrip } from './keychain-roundtrip';

const KEY = 'keychain-test-key-2468';
const meantToRun = process.env.BATCH_DESK_KEYCHAIN_TEST === '1';
const tsx = 'node_modules/.bin/tsx';
let emulator: Emulator;

const has = (bin: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const canStartSession = has('dbus-run-session') && has('gnome-keyring-daemon');

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [KEY], timeScale: 0 });
});
afterAll(async () => {
  await emulator?.stop();
});

// Async on purpose: the emulator answers from this process, so the parent must not block.
async function probe(args: string[], env: NodeJS.ProcessEnv, wrapInSession = false) {
  const cmd = [tsx, 'test/security/keychain-probe.ts', ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = wrapInSession
    ? spawn('dbus-run-session', ['--', 'sh', '-c', `echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && ${cmd}`], { env })
    : spawn('sh', ['-c', cmd], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`probe printed no JSON (exit ${status}): ${stdout}\n${stderr}`);
  }
}

describe('real OS keychain', () => {
  it.runIf(meantToRun || canStartSession)('keeps the key in the Secret Service only, for the app and the CLI, and removes it', async () => {
    const dataDir = tempDir('bd-keychain-');
    const result = meantToRun
      ? await keychainRoundTrip(dataDir, emulator.url, KEY)
      : await probe(['roundtrip', dataDir, emulator.url, KEY], process.env, true);
    if (!result.status?.available) {
      throw new Error(
        `No Secret Service answered (${result.status?.message ?? result.error}). This test needs a D-Bus session with an unlocked ` +
          `gnome-keyring: run it through npm test, or: dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets; npx vitest run test/security/keychain.test.ts'`,
      );
    }
    expect(result.profile).toMatchObject({ workspace: 'sandbox', storage: 'keychain', maskedKey: '••••••••2468', active: true });
    expect(result.storedMatches).toBe(true);
    expect(result.profilesJsonHasKey).toBe(false);
    expect(result.cliKeyMatches).toBe(true);
    expect(result.afterRemove).toBeNull();
  });
});

describe('no keychain (no D-Bus)', () => {
  const noBus = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', DISPLAY: '', WAYLAND_DISPLAY: '' };

  it('says so plainly and offers the environment variable or memory', async () => {
    const status = await probe(['status'], noBus);
    expect(status).toEqual({ available: false, message: NO_KEYCHAIN_MESSAGE });
    expect(NO_KEYCHAIN_MESSAGE).toMatch(/No OS keychain is available/);
    expect(NO_KEYCHAIN_MESSAGE).toMatch(/ROBOFLOW_API_KEY/);
    expect(NO_KEYCHAIN_MESSAGE).toMatch(/in memory/);
  });

  it('through the host: saving to the keychain is refused with that message; keeping the key in memory works', async () => {
    const r = await probe(['host', tempDir('bd-nokeychain-'), emulator.url, KEY], noBus);
    expect(r.list.value.keychain).toEqual({ available: false, message: NO_KEYCHAIN_MESSAGE });
    expect(r.inKeychain).toMatchObject({ ok: false, error: { code: 'keychain-unavailable', message: NO_KEYCHAIN_MESSAGE } });
    expect(r.inMemory.ok).toBe(true);
    expect(r.inMemory.value).toMatchObject({ storage: 'memory', workspace: 'sandbox', active: true });
  });
});
