// Profiles: which API key the engine uses. Keys are checked against the service (workspace
// resolution) before they are kept; they live only in the OS keychain, in this process's memory, or
// in an environment variable. The key is registered as a secret the moment it arrives, so `redact`
// scrubs it from every log line and error.

import { EventEmitter } from 'node:events';
import type { KeychainStatus, ProfileSummary } from '../../../shared/domain';
import { randomSuffix } from '../../../shared/ids';
import { isRegionUrl } from '../../../shared/regions';
import { RoboflowClient } from '../roboflow/client';
import { ApiError } from '../roboflow/http';
import { maskKey, redact, registerSecret } from '../secrets';
import type { Logger } from '../log';
import { KeychainUnavailableError, NO_KEYCHAIN_MESSAGE, type Keychain } from '../keychain/os-keychain';
import { readProfilesFile, writeProfilesFile, type StoredProfile } from './profile-file';

export const ENVIRONMENT_PROFILE_ID = 'environment';
export const DEMO_PROFILE_ID = 'demo';
export const ENV_API_KEY = 'ROBOFLOW_API_KEY';
export const ENV_API_URL = 'ROBOFLOW_API_URL';
export const ENV_DEMO_API_KEY = 'BATCH_DESK_DEMO_API_KEY';
export const ENV_DEMO_API_URL = 'BATCH_DESK_DEMO_API_URL';

/** Checks a key against the service; resolves the workspace slug. */
export type KeyChecker = (apiUrl: string, apiKey: string) => Promise<string>;

export const checkKeyWithService: KeyChecker = async (apiUrl, apiKey) => {
  // Few attempts: the operator is waiting on the Add button.
  const client = await RoboflowClient.connect({ apiUrl, apiKey, retry: { baseMs: 300, maxMs: 2_000, maxAttempts: 3 }, requestTimeoutMs: 15_000 });
  return client.workspace;
};

export interface ProfileStoreOptions {
  dataDir: string;
  keychain: Keychain;
  env?: NodeJS.ProcessEnv;
  /** The API URL used when a profile is added without one (settings). */
  defaultApiUrl: () => string;
  checkKey?: KeyChecker;
  /** Where the client's HTTP retries are logged (redacted). */
  log?: Logger;
  /** How long after a failed workspace lookup of an environment key before it is asked again (default 30 s). */
  workspaceRetryMs?: number;
}

export interface AddProfile {
  name?: string;
  apiKey: string;
  apiUrl?: string;
  storage: 'keychain' | 'memory';
}

export interface Credentials {
  profileId: string;
  apiKey: string;
  apiUrl: string;
}

export class ProfileStore extends EventEmitter<{ changed: [ProfileSummary[]] }> {
  private readonly env: NodeJS.ProcessEnv;
  private readonly checkKey: KeyChecker;
  private readonly memoryKeys = new Map<string, string>();
  private readonly memoryProfiles = new Map<string, StoredProfile>();
  private readonly resolvedWorkspaces = new Map<string, string>();
  /** When a workspace may be looked up again: Infinity while a lookup runs, later after one failed. */
  private readonly nextLookup = new Map<string, number>();
  private clientCache: { key: string; client: Promise<RoboflowClient> } | undefined;

  constructor(private readonly opts: ProfileStoreOptions) {
    super();
    this.env = opts.env ?? process.env;
    this.checkKey = opts.checkKey ?? checkKeyWithService;
    for (const name of [ENV_API_KEY, ENV_DEMO_API_KEY]) if (this.env[name]) registerSecret(this.env[name]!);
  }

  get demoAvailable(): boolean {
    return Boolean(this.env[ENV_DEMO_API_KEY] && this.env[ENV_DEMO_API_URL]);
  }

  async keychainStatus(): Promise<KeychainStatus> {
    return this.opts.keychain.status();
  }

  /** Every profile (metadata and masked key), the active one marked. */
  async list(): Promise<{ profiles: ProfileSummary[]; keychain: KeychainStatus }> {
    return { profiles: this.summaries(), keychain: await this.keychainStatus() };
  }

  summaries(): ProfileSummary[] {
    const all = this.all();
    const activeId = this.activeProfile(all)?.id;
    return all.map((p) => ({
      id: p.id,
      name: p.name,
      workspace: p.workspace,
      apiUrl: p.apiUrl,
      maskedKey: p.maskedKey,
      storage: p.storage,
      active: p.id === activeId,
    }));
  }

  /** Checks the key with the service, then keeps it (keychain or memory) and makes it active. */
  async add(req: AddProfile): Promise<ProfileSummary> {
    const apiKey = req.apiKey.trim();
    registerSecret(apiKey);
    const apiUrl = (req.apiUrl ?? this.opts.defaultApiUrl()).replace(/\/+$/, '');
    if (req.storage === 'keychain') {
      const status = await this.keychainStatus();
      if (!status.available) throw new ApiError(status.message ?? NO_KEYCHAIN_MESSAGE, 'keychain-unavailable', 'save profile');
    }
    const workspace = await this.verify(apiUrl, apiKey);
    const profile: StoredProfile = {
      id: `p-${randomSuffix(10)}`,
      name: req.name?.trim() || workspace,
      workspace,
      apiUrl,
      maskedKey: maskKey(apiKey),
      storage: req.storage,
      createdAt: new Date().toISOString(),
    };
    if (req.storage === 'keychain') {
      try {
        await this.opts.keychain.set(profile.id, apiKey);
      } catch (err) {
        throw keychainError(err, 'save profile');
      }
      const file = readProfilesFile(this.opts.dataDir);
      file.profiles.push(profile);
      file.activeId = profile.id;
      writeProfilesFile(this.opts.dataDir, file);
    } else {
      this.memoryProfiles.set(profile.id, profile);
      this.memoryKeys.set(profile.id, apiKey);
      this.setActive(profile.id);
    }
    this.changed();
    return this.summary(profile.id);
  }

  /** Makes the offline demo profile (emulator URL and key from the environment) active. */
  async useDemo(): Promise<ProfileSummary> {
    if (!this.demoAvailable) throw new ApiError('The offline demo is not available in this session.', 'unsupported', 'demo profile');
    const key = this.env[ENV_DEMO_API_KEY]!;
    const url = this.env[ENV_DEMO_API_URL]!;
    this.resolvedWorkspaces.set(`${url}\n${key}`, await this.verify(url, key));
    this.setActive(DEMO_PROFILE_ID);
    this.changed();
    return this.summary(DEMO_PROFILE_ID);
  }

  select(id: string): ProfileSummary {
    if (!this.all().some((p) => p.id === id)) throw new ApiError(`No profile with id ${id}.`, 'not-found', 'select profile');
    this.setActive(id);
    this.changed();
    return this.summary(id);
  }

  async remove(id: string): Promise<void> {
    const file = readProfilesFile(this.opts.dataDir);
    const stored = file.profiles.find((p) => p.id === id);
    if (stored) {
      try {
        await this.opts.keychain.delete(id);
      } catch (err) {
        throw keychainError(err, 'remove profile');
      }
      file.profiles = file.profiles.filter((p) => p.id !== id);
      if (file.activeId === id) file.activeId = null;
      writeProfilesFile(this.opts.dataDir, file);
    } else if (this.memoryProfiles.has(id)) {
      this.memoryProfiles.delete(id);
      this.memoryKeys.delete(id);
      if (file.activeId === id) this.setActive(null);
    } else if (id === ENVIRONMENT_PROFILE_ID) {
      throw new ApiError(`This profile comes from the ${ENV_API_KEY} environment variable; unset it to remove the profile.`, 'invalid-argument', 'remove profile');
    } else if (id === DEMO_PROFILE_ID) {
      if (file.activeId === id) this.setActive(null);
    } else {
      throw new ApiError(`No profile with id ${id}.`, 'not-found', 'remove profile');
    }
    this.changed();
  }

  /** The active profile's key and URL, or undefined when none is configured. */
  async activeCredentials(): Promise<Credentials | undefined> {
    const p = this.activeProfile(this.all());
    if (!p) return undefined;
    const refusal = p.id === ENVIRONMENT_PROFILE_ID ? this.envKeyRefusal(p.apiUrl) : undefined;
    if (refusal) throw new ApiError(refusal, 'invalid-argument', 'connect');
    const apiKey = await this.keyOf(p);
    if (!apiKey) return undefined;
    registerSecret(apiKey);
    return { profileId: p.id, apiKey, apiUrl: p.apiUrl };
  }

  /** A connected client for the active profile (the engine's `client`), reused while the profile stays. */
  async client(): Promise<RoboflowClient> {
    const creds = await this.activeCredentials();
    if (!creds) {
      throw new ApiError('No API key is set up yet. Add one in Settings › Profiles.', 'no-profile', 'connect');
    }
    const cacheKey = `${creds.profileId}\n${creds.apiUrl}\n${creds.apiKey}`;
    if (this.clientCache?.key !== cacheKey) {
      const client = RoboflowClient.connect({ apiUrl: creds.apiUrl, apiKey: creds.apiKey, log: this.opts.log });
      this.clientCache = { key: cacheKey, client };
      client.catch(() => {
        if (this.clientCache?.client === client) this.clientCache = undefined;
      });
    }
    return this.clientCache.client;
  }

  // ---- internals ----

  private all(): StoredProfile[] {
    const out: StoredProfile[] = [];
    const envKey = this.env[ENV_API_KEY];
    if (envKey) {
      const apiUrl = (this.env[ENV_API_URL] ?? this.opts.defaultApiUrl()).replace(/\/+$/, '');
      out.push(this.virtual(ENVIRONMENT_PROFILE_ID, `Environment (${ENV_API_KEY})`, apiUrl, envKey, ENV_API_KEY, this.envKeyRefusal(apiUrl) === undefined));
    }
    const file = readProfilesFile(this.opts.dataDir);
    if (this.demoAvailable && file.activeId === DEMO_PROFILE_ID) {
      out.push(this.virtual(DEMO_PROFILE_ID, 'Offline demo', this.env[ENV_DEMO_API_URL]!, this.env[ENV_DEMO_API_KEY]!, ENV_DEMO_API_KEY));
    }
    out.push(...file.profiles, ...this.memoryProfiles.values());
    return out;
  }

  /**
   * Why the key in ROBOFLOW_API_KEY must not go to `apiUrl`, if it must not. Settings' API address
   * is changed from the console (or by anyone holding the web token), so it would otherwise let them
   * send that key to any host they like: the key goes only to Roboflow's own regions, or to an
   * address the environment itself names (ROBOFLOW_API_URL), as the key came from there.
   */
  private envKeyRefusal(apiUrl: string): string | undefined {
    if (this.env[ENV_API_URL] !== undefined || isRegionUrl(apiUrl)) return undefined;
    return (
      `The key in ${ENV_API_KEY} is sent only to Roboflow's own API addresses, not to ${apiUrl} (Settings › Service). ` +
      `To use it there, set ${ENV_API_URL}=${apiUrl} where Batch Desk starts, or add the key as a profile for that address.`
    );
  }

  /**
   * A profile whose key is in an environment variable; its workspace is resolved in the background,
   * unless the key may not go to `apiUrl` (`mayConnect` false: envKeyRefusal).
   */
  private virtual(id: string, name: string, apiUrl: string, key: string, variable: string, mayConnect = true): StoredProfile {
    const cacheKey = `${apiUrl}\n${key}`;
    const workspace = this.resolvedWorkspaces.get(cacheKey);
    if (mayConnect && workspace === undefined && Date.now() >= (this.nextLookup.get(cacheKey) ?? 0)) {
      this.nextLookup.set(cacheKey, Infinity);
      this.checkKey(apiUrl, key).then(
        (ws) => {
          this.resolvedWorkspaces.set(cacheKey, ws);
          this.changed();
        },
        // Not cached: a blip at start must not blank the workspace for the session. Asked again on a
        // later call, once the pause is over, so a service that is down is not hammered.
        () => this.nextLookup.set(cacheKey, Date.now() + (this.opts.workspaceRetryMs ?? 30_000)),
      );
    }
    return { id, name, workspace: workspace ?? '', apiUrl, maskedKey: maskKey(key), storage: 'environment', keyVariable: variable, createdAt: '' };
  }

  private activeProfile(all: StoredProfile[]): StoredProfile | undefined {
    const activeId = readProfilesFile(this.opts.dataDir).activeId;
    return all.find((p) => p.id === activeId) ?? all[0];
  }

  private setActive(id: string | null): void {
    const file = readProfilesFile(this.opts.dataDir);
    file.activeId = id;
    writeProfilesFile(this.opts.dataDir, file);
  }

  private async keyOf(p: StoredProfile): Promise<string | undefined> {
    if (p.storage === 'environment') return this.env[p.keyVariable ?? ENV_API_KEY] || undefined;
    if (p.storage === 'memory') return this.memoryKeys.get(p.id);
    try {
      return (await this.opts.keychain.get(p.id)) ?? undefined;
    } catch (err) {
      throw keychainError(err, 'read profile key');
    }
  }

  private async verify(apiUrl: string, apiKey: string): Promise<string> {
    try {
      return await this.checkKey(apiUrl, apiKey);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'unauthorized') {
        throw new ApiError('The service refused the key (401). Check it and try again; nothing was saved.', 'unauthorized', 'check key', 401);
      }
      if (err instanceof ApiError && err.code === 'network') {
        throw new ApiError(`Could not reach ${apiUrl} to check the key. Check the API URL and the network; nothing was saved.`, 'network', 'check key', undefined, true, err.message);
      }
      const message = redact((err as Error).message ?? String(err));
      throw new ApiError(`The key could not be checked: ${message} Nothing was saved.`, err instanceof ApiError ? err.code : 'remote', 'check key');
    }
  }

  private summary(id: string): ProfileSummary {
    return this.summaries().find((p) => p.id === id)!;
  }

  private changed(): void {
    this.clientCache = undefined;
    this.emit('changed', this.summaries());
  }
}

function keychainError(err: unknown, operation: string): ApiError {
  if (err instanceof KeychainUnavailableError) return new ApiError(err.message, 'keychain-unavailable', operation, undefined, false, err.detail);
  return new ApiError(`The OS keychain refused: ${redact((err as Error).message ?? String(err))}`, 'keychain-unavailable', operation);
}
