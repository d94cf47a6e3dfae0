// The keychain seen from the rest of main and from the command line.

import { readProfilesFile, type StoredProfile } from '../profiles/profile-file';
import { registerSecret } from '../secrets';
import { osKeychain, type Keychain } from './os-keychain';

export { KEYCHAIN_SERVICE, NO_KEYCHAIN_MESSAGE, KeychainUnavailableError, osKeychain, type Keychain } from './os-keychain';

/** A keychain profile the command line read the key of; its name and workspace, never the key, are shown. */
export interface SavedProfileKey {
  apiKey: string;
  apiUrl: string;
  name: string;
  workspace: string;
  /** False when the app's active profile is not in the keychain (kept in memory) and this is the only one there. */
  active: boolean;
}

/**
 * Several profiles in the keychain and none of them the app's active one: guessing would send the
 * work to whichever workspace comes first, so the command line refuses and names them.
 */
export class AmbiguousProfileError extends Error {
  constructor(readonly profiles: StoredProfile[]) {
    super(
      `${profiles.length} profiles are saved in the keychain and none is the app's active profile: ${profiles.map(describeProfile).join(', ')}. ` +
        'Set ROBOFLOW_API_KEY, or make one of them the active profile in the Batch Desk app (Settings › Profiles).',
    );
    this.name = 'AmbiguousProfileError';
  }
}

/** `"Name" (workspace ws)`: how the operator recognises a profile. */
export function describeProfile(p: { name: string; workspace: string }): string {
  return `"${p.name}" (workspace ${p.workspace || 'unknown'})`;
}

/**
 * The key of the profile the desktop app saved as active, or of the only profile in the keychain
 * when the active one is not there, for the command line. Undefined when there is none, or when no
 * keychain answers (the CLI then asks for ROBOFLOW_API_KEY); AmbiguousProfileError when several
 * are saved and none is active.
 */
export async function readActiveProfileKey(dataDir: string, keychain: Keychain = osKeychain()): Promise<SavedProfileKey | undefined> {
  const file = readProfilesFile(dataDir);
  const saved = file.profiles.filter((p) => p.storage === 'keychain');
  const active = saved.find((p) => p.id === file.activeId);
  if (!active && saved.length > 1) throw new AmbiguousProfileError(saved);
  const profile = active ?? saved[0];
  if (!profile) return undefined;
  try {
    const apiKey = await keychain.get(profile.id);
    if (!apiKey) return undefined;
    registerSecret(apiKey);
    return { apiKey, apiUrl: profile.apiUrl, name: profile.name, workspace: profile.workspace, active: profile === active };
  } catch {
    return undefined;
  }
}
