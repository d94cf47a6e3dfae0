// The keychain seen from the rest of main and from the command line.

import { readProfilesFile } from '../profiles/profile-file';
import { registerSecret } from '../secrets';
import { osKeychain, type Keychain } from './os-keychain';

export { KEYCHAIN_SERVICE, NO_KEYCHAIN_MESSAGE, KeychainUnavailableError, osKeychain, type Keychain } from './os-keychain';

/**
 * The key of the profile the desktop app saved as active (or the first saved one), for the command
 * line. Undefined when there is none, or when no keychain answers (the CLI then asks for
 * ROBOFLOW_API_KEY).
 */
export async function readActiveProfileKey(
  dataDir: string,
  keychain: Keychain = osKeychain(),
): Promise<{ apiKey: string; apiUrl: string } | undefined> {
  const file = readProfilesFile(dataDir);
  const saved = file.profiles.filter((p) => p.storage === 'keychain');
  const profile = saved.find((p) => p.id === file.activeId) ?? saved[0];
  if (!profile) return undefined;
  try {
    const apiKey = await keychain.get(profile.id);
    if (!apiKey) return undefined;
    registerSecret(apiKey);
    return { apiKey, apiUrl: profile.apiUrl };
  } catch {
    return undefined;
  }
}
