// Limits main enforces on what the console sends (main/host/validate.ts). The forms check the same
// numbers, so a bad value is explained beside its field instead of refused on save.

export const MIB = 1024 * 1024;

/** The worker counts a job may ask for: the agent docs list these as the choices (roboflow-api.md 5.1). */
export const WORKERS_PER_MACHINE = [1, 2, 4, 8] as const;

export function isWorkersPerMachine(n: unknown): n is (typeof WORKERS_PER_MACHINE)[number] {
  return (WORKERS_PER_MACHINE as readonly unknown[]).includes(n);
}

export const JOB_LIMITS = {
  /** The largest of WORKERS_PER_MACHINE; only those values are accepted. */
  workersPerMachine: WORKERS_PER_MACHINE[WORKERS_PER_MACHINE.length - 1],
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

/**
 * A byte limit the service sends with a signed URL below this is ignored: the field names and units
 * are unconfirmed (roboflow-api.md 3.8, 11), and e.g. a size in MB read as bytes would cut every
 * shard into single files. No shard is planned smaller than this either.
 */
export const SERVICE_BYTE_LIMIT_FLOOR = TRANSFER_LIMITS.shardBytesMin;
