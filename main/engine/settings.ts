// Operator settings, kept as one JSON file in the data directory.

import path from 'node:path';
import { DEFAULT_TRANSFER, type Settings } from '../../shared/domain';
import { withOfferedWorkers } from '../../shared/limits';
import { readJson, writeJsonAtomic } from './atomic-file';
import { DEFAULT_API_URL } from './roboflow/http';

export function defaultSettings(dataDir: string): Settings {
  return {
    apiUrl: DEFAULT_API_URL,
    transfer: { ...DEFAULT_TRANSFER },
    defaultOutDir: path.join(dataDir, 'results'),
    defaultJob: { aggregationFormat: 'jsonl', machineType: 'cpu' },
    pipelineOnDrop: 'full',
    startAtLogin: false,
    notifications: true,
  };
}

export class SettingsStore {
  private current: Settings;
  private readonly file: string;

  constructor(readonly dataDir: string) {
    this.file = path.join(dataDir, 'settings.json');
    const saved = readJson<Partial<Settings>>(this.file) ?? {};
    const defaults = defaultSettings(dataDir);
    this.current = { ...defaults, ...saved, transfer: { ...defaults.transfer, ...saved.transfer } };
    // Saved by an older version: a value it took that main now refuses would refuse every drop and save.
    this.current.defaultJob = withOfferedWorkers(this.current.defaultJob);
  }

  get(): Settings {
    return this.current;
  }

  update(patch: Partial<Settings>): Settings {
    this.current = {
      ...this.current,
      ...patch,
      transfer: { ...this.current.transfer, ...patch.transfer },
      defaultJob: patch.defaultJob ?? this.current.defaultJob,
    };
    writeJsonAtomic(this.file, this.current);
    return this.current;
  }
}
