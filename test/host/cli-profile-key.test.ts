// The command line without ROBOFLOW_API_KEY takes the key of a profile the app saved in the keychain:
// it says whose key it uses (never the key), and will not guess among several when the app's active
// profile is kept in memory only. Profiles are made as the app makes them, with a fake keychain.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { resolveCredentials } from '../../main/cli/engine-factory';
import { ProfileStore } from '../../main/engine/profiles/profile-store';
import { DEFAULT_API_URL } from '../../main/engine/roboflow/http';
import { memoryKeychain, tempDir } from './fixture';

const API_URL = 'http://127.0.0.1:9';
const NO_KEY_IN_ENV = {};

/** The app's profiles over a data folder; every key belongs to workspace "acme". */
function appProfiles(dataDir: string, keychain: ReturnType<typeof memoryKeychain>) {
  return new ProfileStore({ dataDir, keychain, env: {}, defaultApiUrl: () => API_URL, checkKey: async () => 'acme' });
}

/** A stand-in for the command line's stderr that keeps what was written. */
function stderrSink(): NodeJS.WritableStream & { text(): string } {
  const sink = new PassThrough();
  return Object.assign(sink, { text: () => String(sink.read() ?? '') });
}

describe('the command line reading the key from the keychain', () => {
  it('says which profile it uses: the active one, or the only one saved when the active one is in memory', async () => {
    const dataDir = tempDir('bd-cli-key-');
    const keychain = memoryKeychain();
    const app = appProfiles(dataDir, keychain);
    const global = { apiUrl: DEFAULT_API_URL, dataDir, json: false };
    await app.add({ name: 'Production', apiKey: 'production-key-1111', storage: 'keychain' });

    const stderr = stderrSink();
    expect(await resolveCredentials(global, NO_KEY_IN_ENV, { keychain, stderr })).toEqual({ apiKey: 'production-key-1111', apiUrl: API_URL });
    expect(stderr.text()).toBe('ROBOFLOW_API_KEY is not set: using the key of profile "Production" (workspace acme) from the keychain (the app’s active profile).\n');

    await app.add({ name: 'Session', apiKey: 'session-key-2222', storage: 'memory' }); // now the active one
    const again = stderrSink();
    expect(await resolveCredentials(global, NO_KEY_IN_ENV, { keychain, stderr: again })).toEqual({ apiKey: 'production-key-1111', apiUrl: API_URL });
    const said = again.text();
    expect(said).toBe(
      'ROBOFLOW_API_KEY is not set: using the key of profile "Production" (workspace acme) from the keychain (the only profile in the keychain; the app’s active profile is not saved there).\n',
    );
    expect(said).not.toContain('1111');
  });

  it('refuses when several profiles are in the keychain and none is active, naming them and how to choose', async () => {
    const dataDir = tempDir('bd-cli-key-');
    const keychain = memoryKeychain();
    const app = appProfiles(dataDir, keychain);
    await app.add({ name: 'Production', apiKey: 'production-key-1111', storage: 'keychain' });
    await app.add({ name: 'Staging', apiKey: 'staging-key-3333', storage: 'keychain' });
    await app.add({ name: 'Session', apiKey: 'session-key-2222', storage: 'memory' }); // the active one

    const stderr = stderrSink();
    await expect(resolveCredentials({ apiUrl: DEFAULT_API_URL, dataDir, json: false }, NO_KEY_IN_ENV, { keychain, stderr })).rejects.toThrow(
      '2 profiles are saved in the keychain and none is the app\'s active profile: "Production" (workspace acme), "Staging" (workspace acme). ' +
        'Set ROBOFLOW_API_KEY, or make one of them the active profile in the Batch Desk app (Settings › Profiles).',
    );
    expect(stderr.text()).toBe('');
  });
});
