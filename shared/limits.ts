// Limits main enforces on what the console sends (main/host/validate.ts). The forms check the same
// numbers, so a bad value is explained beside its field instead of refused on save.

export const MIB = 1024 * 1024;

export const JOB_LIMITS = {
  workersPerMachine: 64,
  maxParallelTasks: 10_000,
  maxRuntimeSeconds: 7 * 24 * 3600,
} as const;

export const VIDEO_FPS = { min: 0.01, max: 240 } as const;

export const TRANSFER_LIMITS = {
  concurrency: 64,
  shardFiles: 500,
  shardBytesMin: MIB,
  shardBytesMax: 2048 * MIB,
} as const;
