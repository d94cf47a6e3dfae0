// Profile metadata on disk, `<dataDir>/profiles.json`. Never the key: a profile names where its key
// lives (the OS keychain under its id, or an environment variable), nothing more.

import path from 'node:path';
import { readJson, writeJsonAtomic } from '../atomic-file';

export type ProfileStorage = 'keychain' | 'memory' | 'environment';

export interface StoredProfile {
  id: string;
  name: string;
  workspace: string;
  apiUrl: string;
  maskedKey: string;
  storage: ProfileStorage;
  /** For `environment` profiles: the variable holding the key. */
  keyVariable?: string;
  createdAt: string;
}

export interface ProfilesFile {
  activeId: string | null;
  /** Keychain profiles only; memory and environment profiles are rebuilt each run. */
  profiles: StoredProfile[];
}

export function profilesFilePath(dataDir: string): string {
  return path.join(dataDir, 'profiles.json');
}

export function readProfilesFile(dataDir: string): ProfilesFile {
  const raw = readJson<Partial<ProfilesFile>>(profilesFilePath(dataDir));
  const profiles = Array.isArray(raw?.profiles) ? raw.profiles.filter(isStoredProfile) : [];
  return { activeId: typeof raw?.activeId === 'string' ? raw.activeId : null, profiles };
}

export function writeProfilesFile(dataDir: string, file: ProfilesFile): void {
  // Strip anything that is not metadata, whatever a caller put on the objects.
  const profiles = file.profiles.map(({ id, name, workspace, apiUrl, maskedKey, storage, keyVariable, createdAt }) => ({
    id,
    name,
    workspace,
    apiUrl,
    maskedKey,
    storage,
    keyVariable,
    createdAt,
  }));
  writeJsonAtomic(profilesFilePath(dataDir), { activeId: file.activeId, profiles });
}

function isStoredProfile(p: unknown): p is StoredProfile {
  const o = p as StoredProfile;
  return !!o && typeof o.id === 'string' && typeof o.apiUrl === 'string' && typeof o.storage === 'string';
}
