// One validator per invoke channel. Whatever the renderer (or a web client) sends is checked here
// before any handler runs: unknown keys refused, types and ranges checked, ids checked with the
// service's own rules (shared/ids.ts). Pure; paths are checked on disk later by the handlers.

import type { InvokeArgs, InvokeChannel } from '../../shared/contract';
import { INVOKE_CHANNELS, PROGRESS_FOCUS_MAX, QUEUE_PAGE_MAX } from '../../shared/contract';
import type { JobOptions, RestartOverrides, Settings, TransferSettings, WatchSpec } from '../../shared/domain';
import { BATCH_ID_MAX, WORKFLOW_ID_MAX, WORKFLOW_ID_PATTERN, batchIdProblem, jobIdProblem } from '../../shared/ids';
import { JOB_LIMITS, TRANSFER_LIMITS, VIDEO_FPS, WORKERS_PER_MACHINE, isWorkersPerMachine } from '../../shared/limits';
import {
  ValidationError,
  absolutePath,
  arrayOf,
  bool,
  httpUrl,
  int,
  isPlainObject,
  jsonObject,
  localId,
  num,
  obj,
  oneOf,
  optional,
  ruled,
  str,
  type Check,
} from './checks';

export { ValidationError } from './checks';

const none: Check<Record<string, never>> = (v, field) => {
  if (v === undefined || v === null) return {};
  return obj({})(v, field) as Record<string, never>;
};

const idArgs = obj({ id: localId });
/** A timestamp as main writes them (`Date.prototype.toISOString`). */
const isoTime = str({ min: 1, max: 40, pattern: /^\d{4,6}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, rule: 'must be a timestamp such as 2026-11-29T07:23:00.000Z' });
const name = str({ min: 1, max: 200 });
const MAX_ROOTS = 1000;

/** Only the worker counts the service offers, not any number up to the largest. */
const workersPerMachine: Check<number> = (v, field) => {
  if (isWorkersPerMachine(v)) return v;
  throw new ValidationError(`${field} must be one of ${WORKERS_PER_MACHINE.join(', ')}.`);
};

const jobFields = {
  workflowId: str({ min: 1, max: WORKFLOW_ID_MAX, pattern: WORKFLOW_ID_PATTERN, rule: 'may contain only letters, digits, ".", "/", "-" and "_"' }),
  workflowParameters: optional(jsonObject(64 * 1024)),
  imageInputName: optional(str({ min: 1, max: 200 })),
  machineType: optional(oneOf(['cpu', 'gpu'] as const)),
  workersPerMachine: optional(workersPerMachine),
  maxParallelTasks: optional(int(1, JOB_LIMITS.maxParallelTasks)),
  maxRuntimeSeconds: optional(int(1, JOB_LIMITS.maxRuntimeSeconds)),
  maxImageFailureRate: optional(num(0, 1)),
  aggregationFormat: optional(oneOf(['csv', 'jsonl'] as const)),
  persistImageOutputs: optional(bool),
  imageOutputsToSave: optional(arrayOf(str({ min: 1, max: 200 }), { max: 100 })),
  partName: optional(str({ min: 1, max: 200 })),
  maxVideoFps: optional(num(VIDEO_FPS.min, VIDEO_FPS.max)),
  jobName: optional(str({ min: 1, max: 200 })),
  inferenceBackend: optional(oneOf(['old-inference', 'inference-models'] as const)),
  jobId: optional(ruled(jobIdProblem)),
};

export const jobOptions: Check<JobOptions> = obj(jobFields);

/** Settings' default job: every field optional, workflow id included. */
const partialJob: Check<Partial<JobOptions>> = obj({ ...jobFields, workflowId: optional(jobFields.workflowId) });

const transferFields = {
  concurrency: optional(int(1, TRANSFER_LIMITS.concurrency)),
  videoConcurrency: optional(int(1, 16)),
  shardFiles: optional(int(1, TRANSFER_LIMITS.shardFiles)),
  shardBytes: optional(int(TRANSFER_LIMITS.shardBytesMin, TRANSFER_LIMITS.shardBytesMax)),
  bandwidthLimit: optional(int(0, Number.MAX_SAFE_INTEGER)),
  downloadConcurrency: optional(int(1, 64)),
  followSymlinks: optional(bool),
};
export const partialTransfer: Check<Partial<TransferSettings>> = obj(transferFields);

const restartOverrides: Check<RestartOverrides> = obj({
  machineType: jobFields.machineType,
  workersPerMachine: jobFields.workersPerMachine,
  maxParallelTasks: jobFields.maxParallelTasks,
  maxRuntimeSeconds: jobFields.maxRuntimeSeconds,
  maxImageFailureRate: jobFields.maxImageFailureRate,
});

export const itemSpec = obj({
  roots: arrayOf(absolutePath, { min: 1, max: MAX_ROOTS }),
  name: optional(name),
  batchId: optional(ruled(batchIdProblem)),
  batchName: optional(name),
  pipeline: oneOf(['ingest', 'full'] as const),
  job: optional(jobOptions),
  outDir: optional(absolutePath),
  transfer: optional(partialTransfer),
  watchId: optional(localId),
});

export const watchSpec: Check<WatchSpec> = obj({
  folder: absolutePath,
  filter: oneOf(['images', 'videos', 'all'] as const),
  job: jobOptions,
  outDir: absolutePath,
  rule: obj({ quietSeconds: int(1, 24 * 3600), maxFiles: int(1, 1_000_000), maxMinutes: int(1, 7 * 24 * 60) }),
  reingestChanged: bool,
  // The prefix plus a generated suffix must still be a valid batch id.
  batchPrefix: optional(
    str({ min: 1, max: BATCH_ID_MAX - 24, pattern: /^[a-z0-9_-]+$/, rule: 'may contain only lower-case letters, digits, "-" and "_"' }),
  ),
});

const settingsPatch: Check<Partial<Settings>> = (v, field) => {
  const patch = obj({
    apiUrl: optional(httpUrl),
    transfer: optional(partialTransfer),
    // '' is "no default output folder": drops are then ingested only (renderer/src/util/item-spec.ts).
    defaultOutDir: optional((v, f) => (v === '' ? '' : absolutePath(v, f))),
    defaultJob: optional(partialJob),
    pipelineOnDrop: optional(oneOf(['ingest', 'full'] as const)),
    startAtLogin: optional(bool),
    notifications: optional(bool),
  })(v, field);
  return patch as Partial<Settings>;
};

type Validators = { [C in InvokeChannel]: Check<InvokeArgs<C>> };

export const VALIDATORS: Validators = {
  'app:info': none,
  'profiles:list': none,
  'profiles:add': obj({
    name: optional(str({ max: 100 })),
    apiKey: str({ min: 8, max: 512, pattern: /^\S+$/, rule: 'must not contain spaces' }),
    apiUrl: optional(httpUrl),
    storage: oneOf(['keychain', 'memory'] as const),
  }),
  'profiles:use-demo': none,
  'profiles:select': idArgs,
  'profiles:remove': idArgs,
  'settings:get': none,
  'settings:set': settingsPatch,
  'queue:preview': obj({ paths: arrayOf(absolutePath, { min: 1, max: MAX_ROOTS }) }),
  'queue:add': itemSpec,
  'queue:list': (v, field) =>
    v === undefined || v === null
      ? {}
      : obj({ after: optional(obj({ createdAt: isoTime, id: localId })), limit: optional(int(1, QUEUE_PAGE_MAX)) })(v, field),
  'history:list': obj({ limit: optional(int(1, 100_000)) }),
  'history:clear': none,
  'progress:focus': obj({
    viewer: str({ min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/, rule: 'may contain only letters, digits, "-" and "_"' }),
    ids: arrayOf(localId, { max: PROGRESS_FOCUS_MAX }),
  }),
  'item:get': idArgs,
  'item:files': obj({
    id: localId,
    offset: int(0, Number.MAX_SAFE_INTEGER),
    limit: int(1, 5000),
    state: optional(oneOf(['planned', 'uploading', 'uploaded', 'indexed', 'rejected', 'all'] as const)),
  }),
  'item:rejections-csv': idArgs,
  'item:pause': idArgs,
  'item:resume': idArgs,
  'item:cancel': idArgs,
  'item:retry': idArgs,
  'item:start-job': obj({ id: localId, job: jobOptions, outDir: absolutePath }),
  'item:abort-job': idArgs,
  'item:restart-job': obj({ id: localId, overrides: restartOverrides }),
  'item:logs': idArgs,
  'item:results-preview': obj({ id: localId, rows: int(1, 1000) }),
  'item:open-output': idArgs,
  'watches:list': none,
  'watches:add': watchSpec,
  'watches:update': obj({ id: localId, spec: watchSpec }),
  'watches:pause': idArgs,
  'watches:resume': idArgs,
  'watches:remove': idArgs,
  'dialog:pick-folder': (v, field) => (v === undefined || v === null ? {} : obj({ title: optional(str({ max: 200 })) })(v, field)),
};

export function isInvokeChannel(name: string): name is InvokeChannel {
  return (INVOKE_CHANNELS as readonly string[]).includes(name);
}

/** Checks the arguments of one channel; throws ValidationError with a readable reason. */
export function validateArgs<C extends InvokeChannel>(channel: C, raw: unknown): InvokeArgs<C> {
  const check = VALIDATORS[channel] as Check<InvokeArgs<C>> | undefined;
  if (!check) throw new ValidationError(`Unknown channel ${channel}.`);
  return check(raw, 'args');
}

export { isPlainObject };
