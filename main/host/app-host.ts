// Builds the whole main side once, for the desktop app and for `batch-desk serve` alike: settings,
// profiles (keychain), the Engine with every step, watches, and the Host over them.

import fs from 'node:fs';
import path from 'node:path';
import { createLogger, fileSink, type Logger } from '../engine/log';
import { Engine } from '../engine/pipeline/engine';
import type { Step } from '../engine/pipeline/step';
import { ProfileStore, type KeyChecker } from '../engine/profiles/profile-store';
import { SettingsStore } from '../engine/settings';
import { osKeychain, type Keychain } from '../engine/keychain/os-keychain';
import { Host, type HostPlatform } from './host';
import { pipelineSteps } from './pipeline-steps';
import type { ItemReaders } from './readers';
import type { WatchService } from './watches';
import { WatchManager } from '../engine/watch/manager';

declare const __BATCH_DESK_VERSION__: string;
export const APP_VERSION = typeof __BATCH_DESK_VERSION__ === 'string' ? __BATCH_DESK_VERSION__ : '0.0.0-dev';

export interface AppHostOptions {
  dataDir: string;
  platform: HostPlatform;
  env?: NodeJS.ProcessEnv;
  keychain?: Keychain;
  steps?: Step[];
  readers?: ItemReaders;
  /** Builds the watch service once the engine exists (default: the WatchManager over the data dir). */
  watches?: (engine: Engine) => WatchService | undefined;
  /** Whether to start the saved watches (default true). */
  startWatches?: boolean;
  log?: Logger;
  checkKey?: KeyChecker;
  progressIntervalMs?: number;
}

export interface AppHost {
  host: Host;
  engine: Engine;
  settings: SettingsStore;
  profiles: ProfileStore;
  log: Logger;
  /** The folder watches, if this build has them (the desktop app stays in the tray while one runs). */
  watches?: WatchService;
  /** Stops the engine (items resume at next start) and the watches. */
  close(): Promise<void>;
}

export function createAppHost(opts: AppHostOptions): AppHost {
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const log = opts.log ?? createLogger([fileSink(path.join(opts.dataDir, 'logs', 'batch-desk.log'))], 'info', opts.platform.mode);
  const settings = new SettingsStore(opts.dataDir);
  const env = opts.env ?? process.env;
  const profiles = new ProfileStore({
    dataDir: opts.dataDir,
    keychain: opts.keychain ?? osKeychain(),
    env,
    defaultApiUrl: () => settings.get().apiUrl,
    checkKey: opts.checkKey,
    log: log.child('http'),
  });
  const engine = new Engine({
    dataDir: opts.dataDir,
    steps: opts.steps ?? pipelineSteps(env),
    client: () => profiles.client(),
    settings: () => settings.get(),
    log: log.child('engine'),
    progressIntervalMs: opts.progressIntervalMs,
  });
  let manager: WatchManager | undefined;
  const watches = opts.watches
    ? opts.watches(engine)
    : (manager = new WatchManager({ dataDir: opts.dataDir, engine, log: log.child('watch') }));
  const host = new Host({
    dataDir: opts.dataDir,
    version: APP_VERSION,
    engine,
    settings,
    profiles,
    watches,
    readers: opts.readers,
    platform: opts.platform,
    log: log.child('host'),
  });
  engine.resumeAll();
  if (manager && opts.startWatches !== false) {
    manager.start().catch((err) => log.error('watches did not start', { error: (err as Error).message }));
  }
  return {
    host,
    engine,
    settings,
    profiles,
    log,
    watches,
    async close() {
      await host.close();
      await watches?.close?.();
      await engine.close();
    },
  };
}
