// A profile saved through the real OS keychain, read back the way the CLI does, then removed.
import fs from 'node:fs';
import path from 'node:path';
import { Entry } from '@napi-rs/keyring';
import { KEYCHAIN_SERVICE, osKeychain, readActiveProfileKey } from '../../main/engine/keychain';
import { ProfileStore } from '../../main/engine/profiles/profile-store';

export async function keychainRoundTrip(dataDir: string, apiUrl: string, apiKey: string) {
  const keychain = osKeychain();
  const status = await keychain.status();
  if (!status.available) return { status };
  const store = new ProfileStore({ dataDir, keychain, env: {}, defaultApiUrl: () => apiUrl });
  const profile = await store.add({ name: 'Real keychain', apiKey, apiUrl, storage: 'keychain' });
  // Straight from the OS keychain, not through our code.
  const stored = new Entry(KEYCHAIN_SERVICE, profile.id, { linux: { store: 'secret-service' } }).getPassword();
  const profilesJson = fs.readFileSync(path.join(dataDir, 'profiles.json'), 'utf8');
  const forCli = await readActiveProfileKey(dataDir);
  await store.remove(profile.id);
  const afterRemove = new Entry(KEYCHAIN_SERVICE, profile.id, { linux: { store: 'secret-service' } }).getPassword();
  return {
    status,
    profile,
    storedMatches: stored === apiKey,
    profilesJsonHasKey: profilesJson.includes(apiKey),
    cliKeyMatches: forCli?.apiKey === apiKey && forCli?.apiUrl === apiUrl,
    afterRemove,
  };
}
