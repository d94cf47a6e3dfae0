// Limits main enforces on what the console sends (main/host/validate.ts). The forms check the same
// numbers, so a bad value is explained beside its field instead of refused on save.

export const MIB = 1024 * 1024;

/** The worker counts a job may ask for: the agent docs list these as the choices (roboflow-api.md 5.1). */
export const WORKERS_PER_MACHINE = [1, 2, 4, 8] as const;

export function isWorkersPerMachine(n: unknown): n is (typeof WORKERS_PER_MACHINE)[number] {
  return (WORKERS_PER_MACHINE as readonly unknown[]).includes(n);
}

/**
 * A job as saved before the choices were 1, 2, 4 and 8 (any count from 1 to 64 was taken): its
 * count becomes the largest choice not above it, so a saved default job or watch is still accepted.
 */
export function withOfferedWorkers<T extends { workersPerMachine?: number }>(job: T): T {
  const n = job.workersPerMachine;
  if (n === undefined || isWorkersPerMachine(n)) return job;
  const below = WORKERS_PER_MACHINE.filter((w) => w <= n);
  return { ...job, workersPerMachine: below.length > 0 ? below[below.length - 1] : WORKERS_PER_MACHINE[0] };
}

export const JOB_LIMITS = {
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
 * shard into single files. The shard size setting has the same floor.
 */
export const SERVICE_BYTE_LIMIT_FLOOR = TRANSFER_LIMITS.shardBytesMin;
