// Profiles as an operator meets them: keys checked before they are kept, the environment variable
// offered as a profile, memory keys gone at the next start, the key itself never in profiles.json.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileStore, checkKeyWithService } from '../../main/engine/profiles/profile-store';
import { readActiveProfileKey } from '../../main/engine/keychain';
import { startEmulator, type Emulator } from '../emulator/server';
import { memoryKeychain, tempDir } from './fixture';

const KEY = 'profiles-key-1357';
const OTHER = 'profiles-key-2468';
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [KEY, OTHER], timeScale: 0, workspace: 'acme' });
});
afterAll(async () => {
  await emulator?.stop();
});

function store(dataDir: string, keychain = memoryKeychain(), env: NodeJS.ProcessEnv = {}) {
  return new ProfileStore({ dataDir, keychain, env, defaultApiUrl: () => emulator.url });
}

describe('profiles', () => {
  it('checks the key with the service before keeping it; a refused key leaves nothing behind', async () => {
    const dataDir = tempDir('bd-prof-');
    const kc = memoryKeychain();
    const s = store(dataDir, kc);
    await expect(s.add({ apiKey: 'refused-key-0000', storage: 'keychain' })).rejects.toMatchObject({ code: 'unauthorized' });
    expect(kc.entries.size).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'profiles.json'))).toBe(false);

    const p = await s.add({ apiKey: KEY, storage: 'keychain' });
    expect(p).toMatchObject({ name: 'acme', workspace: 'acme', maskedKey: '••••••••1357', storage: 'keychain', active: true });
    expect(kc.entries.get(p.id)).toBe(KEY);
    const onDisk = fs.readFileSync(path.join(dataDir, 'profiles.json'), 'utf8');
    expect(onDisk).not.toContain(KEY);
    expect(JSON.parse(onDisk).activeId).toBe(p.id);
    // The command line finds the same key through the keychain.
    expect(await readActiveProfileKey(dataDir, kc)).toMatchObject({ apiKey: KEY, apiUrl: emulator.url, name: 'acme', workspace: 'acme', active: true });
  });

  it('an unreachable service is a network error with the next step, and nothing is kept', async () => {
    const s = store(tempDir('bd-prof-'));
    await expect(s.add({ apiKey: KEY, apiUrl: 'http://127.0.0.1:1', storage: 'memory' })).rejects.toMatchObject({
      code: 'network',
      message: expect.stringMatching(/Could not reach http:\/\/127\.0\.0\.1:1 .*nothing was saved/),
    });
    expect(s.summaries()).toEqual([]);
  });

  it('refuses to save into a keychain that is not there, and says what to do instead', async () => {
    const s = store(tempDir('bd-prof-'), memoryKeychain({ available: false, message: 'No OS keychain is available (test).' }));
    await expect(s.add({ apiKey: KEY, storage: 'keychain' })).rejects.toMatchObject({ code: 'keychain-unavailable', message: 'No OS keychain is available (test).' });
    expect((await s.add({ apiKey: KEY, storage: 'memory' })).storage).toBe('memory');
  });

  it('memory keys last for this run only; keychain profiles come back', async () => {
    const dataDir = tempDir('bd-prof-');
    const kc = memoryKeychain();
    const first = store(dataDir, kc);
    const saved = await first.add({ name: 'Saved', apiKey: KEY, storage: 'keychain' });
    const session = await first.add({ name: 'Session', apiKey: OTHER, storage: 'memory' });
    expect(first.summaries().find((p) => p.active)?.id).toBe(session.id);
    expect((await first.activeCredentials())?.apiKey).toBe(OTHER);

    const next = store(dataDir, kc); // the app started again
    expect(next.summaries().map((p) => p.name)).toEqual(['Saved']);
    expect(next.summaries()[0]!.active).toBe(true);
    expect((await next.activeCredentials())?.apiKey).toBe(KEY);
    expect(saved.id).toBe(next.summaries()[0]!.id);
  });

  it('offers ROBOFLOW_API_KEY as a profile, resolves its workspace, and will not remove it', async () => {
    const s = store(tempDir('bd-prof-'), memoryKeychain(), { ROBOFLOW_API_KEY: OTHER, ROBOFLOW_API_URL: emulator.url });
    const changed = new Promise((r) => s.once('changed', r));
    const [env] = s.summaries();
    expect(env).toMatchObject({ id: 'environment', storage: 'environment', maskedKey: '••••••••2468', active: true });
    await changed;
    expect(s.summaries()[0]!.workspace).toBe('acme');
    await expect(s.remove('environment')).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/unset it/) });
    const client = await s.client();
    expect(client.workspace).toBe('acme');
  });

  it("asks again for ROBOFLOW_API_KEY's workspace after a failed lookup, after a pause, and keeps a success", async () => {
    // A blip at start: the service answers 503 to the workspace lookup (every retry of it).
    emulator.setFaults({ rules: [{ route: 'resolve-workspace', kind: 'status', status: 503 }] });
    try {
      const lookups: Promise<unknown>[] = [];
      const s = new ProfileStore({
        dataDir: tempDir('bd-prof-'),
        keychain: memoryKeychain(),
        env: { ROBOFLOW_API_KEY: OTHER, ROBOFLOW_API_URL: emulator.url },
        defaultApiUrl: () => emulator.url,
        workspaceRetryMs: 300,
        checkKey: (url, key) => {
          const lookup = checkKeyWithService(url, key);
          lookups.push(lookup.catch(() => undefined));
          return lookup;
        },
      });
      expect(s.summaries()[0]!.workspace).toBe('');
      await lookups[0]; // failed
      emulator.setFaults({});
      expect(s.summaries()[0]!.workspace).toBe('');
      expect(lookups).toHaveLength(1); // not asked again at once
      await new Promise((r) => setTimeout(r, 350));
      const changed = new Promise((r) => s.once('changed', r));
      s.summaries();
      expect(lookups).toHaveLength(2); // asked again once the pause is over
      await changed;
      expect(s.summaries()[0]!.workspace).toBe('acme');
      expect(lookups).toHaveLength(2); // the answer is kept
    } finally {
      emulator.setFaults({});
    }
  });

  it("sends ROBOFLOW_API_KEY only to Roboflow's regions or to ROBOFLOW_API_URL, never to an address set in Settings", async () => {
    // Settings' API address is the console's to change (and anyone's holding the web token).
    const sentTo: string[] = [];
    const lookups = () => emulator.inspect.requests()['resolve-workspace']?.attempts ?? 0;
    const lookupsBefore = lookups();
    const counting = (defaultApiUrl: string, env: NodeJS.ProcessEnv) =>
      new ProfileStore({
        dataDir: tempDir('bd-prof-'),
        keychain: memoryKeychain(),
        env: { ROBOFLOW_API_KEY: OTHER, ...env },
        defaultApiUrl: () => defaultApiUrl,
        checkKey: (url, key) => {
          sentTo.push(url);
          return checkKeyWithService(url, key);
        },
      });

    const elsewhere = counting(emulator.url, {});
    expect(elsewhere.summaries()[0]).toMatchObject({ storage: 'environment', workspace: '' });
    await expect(elsewhere.client()).rejects.toThrow(
      `The key in ROBOFLOW_API_KEY is sent only to Roboflow's own API addresses, not to ${emulator.url} (Settings › Service). To use it there, set ROBOFLOW_API_URL=${emulator.url}`,
    );
    expect(lookups()).toBe(lookupsBefore);
    expect(sentTo).toEqual([]);

    // A region's address is fine (its lookup goes there: unreachable here, and that is all).
    const europe = counting('https://api.roboflow.eu/', {});
    europe.summaries();
    expect(sentTo).toEqual(['https://api.roboflow.eu']);

    // The environment naming the address itself is fine too.
    const named = counting('https://api.roboflow.com', { ROBOFLOW_API_URL: emulator.url });
    expect((await named.client()).workspace).toBe('acme');
  });

  it('selecting and removing: the key leaves the keychain with its profile', async () => {
    const kc = memoryKeychain();
    const s = store(tempDir('bd-prof-'), kc);
    const a = await s.add({ name: 'A', apiKey: KEY, storage: 'keychain' });
    const b = await s.add({ name: 'B', apiKey: OTHER, storage: 'keychain' });
    expect(s.summaries().find((p) => p.active)?.id).toBe(b.id);
    s.select(a.id);
    expect((await s.activeCredentials())?.apiKey).toBe(KEY);
    await s.remove(a.id);
    expect(kc.entries.has(a.id)).toBe(false);
    expect(s.summaries().map((p) => p.id)).toEqual([b.id]);
    expect(() => s.select('p-missing')).toThrow(/No profile/);
  });

  it('the offline demo profile exists only when the demo environment is set', async () => {
    const without = store(tempDir('bd-prof-'));
    expect(without.demoAvailable).toBe(false);
    await expect(without.useDemo()).rejects.toMatchObject({ code: 'unsupported' });
    const withDemo = store(tempDir('bd-prof-'), memoryKeychain(), { BATCH_DESK_DEMO_API_URL: emulator.url, BATCH_DESK_DEMO_API_KEY: KEY });
    expect(withDemo.summaries()).toEqual([]);
    const demo = await withDemo.useDemo();
    expect(demo).toMatchObject({ id: 'demo', workspace: 'acme', storage: 'environment', active: true });
  });
});
