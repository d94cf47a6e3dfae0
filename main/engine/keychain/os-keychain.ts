// The OS keychain through @napi-rs/keyring (service "Batch Desk", account = profile id). On Linux the
// entry is pinned to the Secret Service: the library's silent fallback to the kernel keyring would
// lose the key at reboot, so "no Secret Service" must be reported, not papered over.

import type { KeychainStatus } from '../../../shared/domain';
import { redact } from '../secrets';

export const KEYCHAIN_SERVICE = 'Batch Desk';

export const NO_KEYCHAIN_MESSAGE =
  process.platform === 'linux'
    ? 'No OS keychain is available (no Secret Service on D-Bus). Use the ROBOFLOW_API_KEY environment variable, or keep the key in memory for this session.'
    : 'No OS keychain is available. Use the ROBOFLOW_API_KEY environment variable, or keep the key in memory for this session.';

/** Thrown when no keychain answers; its message is the operator-facing sentence. */
export class KeychainUnavailableError extends Error {
  constructor(readonly detail?: string) {
    super(NO_KEYCHAIN_MESSAGE);
    this.name = 'KeychainUnavailableError';
  }
}

/** What profiles need from a keychain; tests may pass a fake, the app passes `osKeychain()`. */
export interface Keychain {
  status(): Promise<KeychainStatus>;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<void>;
}

type KeyringModule = typeof import('@napi-rs/keyring');

// A locked keyring may prompt forever; an operator-facing call must not hang with it.
const KEYCHAIN_TIMEOUT_MS = 10_000;

export function osKeychain(): Keychain {
  let modulePromise: Promise<KeyringModule> | undefined;
  let status: KeychainStatus | undefined;

  const entry = async (account: string) => {
    modulePromise ??= import('@napi-rs/keyring');
    let mod: KeyringModule;
    try {
      mod = await modulePromise;
    } catch (err) {
      throw new KeychainUnavailableError(`keyring module: ${(err as Error).message}`);
    }
    try {
      return new mod.AsyncEntry(KEYCHAIN_SERVICE, account, { linux: { store: 'secret-service' } });
    } catch (err) {
      throw new KeychainUnavailableError(redact((err as Error).message));
    }
  };

  const call = async <T>(what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const signal = AbortSignal.timeout(KEYCHAIN_TIMEOUT_MS);
    try {
      return await fn(signal);
    } catch (err) {
      if (err instanceof KeychainUnavailableError) throw err;
      throw new KeychainUnavailableError(`${what}: ${redact((err as Error).message ?? String(err))}`);
    }
  };

  return {
    async status() {
      if (status) return status;
      try {
        const probe = await entry('__batch-desk-probe__');
        await call('probe', (signal) => probe.getPassword(signal));
        status = { available: true };
      } catch (err) {
        status = { available: false, message: (err as Error).message };
      }
      return status;
    },
    async get(account) {
      const e = await entry(account);
      return call('read', (signal) => e.getPassword(signal));
    },
    async set(account, secret) {
      const e = await entry(account);
      await call('save', (signal) => e.setPassword(secret, signal));
    },
    async delete(account) {
      const e = await entry(account);
      await call('delete', (signal) => e.deleteCredential(signal));
    },
  };
}
