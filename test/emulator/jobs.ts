// Batch-processing jobs: strict validation and a simulated, time-scaled lifecycle
// (queued → processing stage → export stage → terminal).

import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { ApiError } from './errors';
import { type FaultEngine, hashUnit } from './faults';
import { type Prediction, predictFromDigest, predictImage } from './prediction';
import { type Batch, type FileEntry, FileList, type Store, objectStream, readObject } from './store';
import { type Webhooks } from './webhooks';

export const ID_RE = /^[a-z0-9_-]+$/;
export const MAX_JOB_ID = 20;
export const MAX_BATCH_ID = 64;

/** Simulated durations in ms; every one is multiplied by the time scale. */
export const TIMINGS = {
  indexDelayMs: 1500,
  jobStartMs: 5000,
  taskBaseMs: 2000,
  taskPerFileMs: 10,
  exportMs: 2000,
};

export const IMAGES_PER_TASK = 256;
export const PREDICTION_FILES_PER_ARCHIVE = 100;
export const DEFAULT_MAX_PARALLEL_TASKS = 4;
/** The only worker counts a job may ask for (agent docs, 5.1 [SECONDARY]; strict where unknown). */
export const WORKERS_PER_MACHINE: readonly number[] = [1, 2, 4, 8];
/** Without maxImageFailureRate a task tolerates this many failed images. */
export const DEFAULT_MAX_FAILED_IMAGES_PER_TASK = 10;

type Obj = Record<string, unknown>;
type Severity = 'info' | 'warning' | 'error';
type StatusType = 'info' | 'success' | 'error';

export interface Task {
  taskId: string;
  index: number;
  files: FileEntry[];
  statusType: StatusType;
  notification: Obj;
  progress: number | null;
  eventTimestamp: Date;
  startedAt?: number;
  durationMs?: number;
}

export interface Stage {
  processingStageId: string;
  processingStageName: 'processing' | 'export';
  tasksNumber: number;
  outputBatches: string[];
  startTimestamp: Date;
  notification: Obj;
  statusType: StatusType;
  lastEventTimestamp: Date;
  tasks: Task[];
}

export interface JobLog {
  createdAt: Date;
  processingStageId: string | null;
  taskId: string | null;
  severity: Severity;
  reportingModule: string;
  logType: string;
  payload: Obj;
}

export interface Job {
  jobId: string;
  name: string;
  definition: Obj;
  fingerprint: string;
  createdAt: Date;
  lastUpdate: Date;
  currentStage: string | null;
  plannedStages: string[];
  isTerminal: boolean;
  error: boolean;
  lastNotification: Obj;
  restartParametersOverride: Obj[];
  stages: Stage[];
  logs: JobLog[];
  /** successful create calls (first creation + idempotent repeats) */
  createCalls: number;
  /** create calls answered 409 */
  conflicts: number;
  restarts: number;
  aborts: number;
  /** bumped on restart/abort; stale async work checks it */
  generation: number;
  timers: Set<NodeJS.Timeout>;
  /** What the job read as just before its last restart, shown until `until` (fault `restartLagMs`). */
  beforeRestart?: { until: number; job: Obj; stages: Stage[] };
}

// ---------------------------------------------------------------- validation

function bad(msg: string): never {
  throw new ApiError(400, msg, 'ValidationError');
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(o: Obj, where: string, allowed: readonly string[], required: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      const hint = k.includes('_') ? ' (keys are camelCase)' : '';
      bad(`"${where}${k}" is not allowed${hint}`);
    }
    if (o[k] === null) bad(`"${where}${k}" must not be null`);
  }
  for (const k of required) if (!(k in o)) bad(`"${where}${k}" is required`);
}

function str(o: Obj, k: string, where: string, opts: { nonEmpty?: boolean; oneOf?: readonly string[] } = {}): void {
  if (!(k in o)) return;
  const v = o[k];
  if (typeof v !== 'string') bad(`"${where}${k}" must be a string`);
  if (opts.nonEmpty && v.length === 0) bad(`"${where}${k}" must not be empty`);
  if (opts.oneOf && !opts.oneOf.includes(v)) bad(`"${where}${k}" must be one of ${opts.oneOf.map((x) => JSON.stringify(x)).join(', ')}`);
}

function posInt(o: Obj, k: string, where: string): void {
  if (!(k in o)) return;
  const v = o[k];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) bad(`"${where}${k}" must be a positive integer`);
}

function rate(o: Obj, k: string, where: string): void {
  if (!(k in o)) return;
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) bad(`"${where}${k}" must be a number between 0.0 and 1.0`);
}

function computeConfiguration(v: unknown, where: string): void {
  if (!isObj(v)) bad(`"${where}" must be an object`);
  checkKeys(v, `${where}.`, ['type', 'machineType', 'workersPerMachine'], ['type']);
  str(v, 'type', `${where}.`, { oneOf: ['compute-configuration-v2'] });
  str(v, 'machineType', `${where}.`, { oneOf: ['cpu', 'gpu'] });
  if ('workersPerMachine' in v && !WORKERS_PER_MACHINE.includes(v.workersPerMachine as number)) {
    bad(`"${where}.workersPerMachine" must be one of ${WORKERS_PER_MACHINE.join(', ')}`);
  }
}

export function checkId(kind: 'batch' | 'job', id: string): void {
  const max = kind === 'batch' ? MAX_BATCH_ID : MAX_JOB_ID;
  if (!ID_RE.test(id) || id.length > max) {
    throw new ApiError(400, `invalid ${kind} id "${id}": must match ^[a-z0-9_-]+$ and be at most ${max} characters`, 'InvalidIdentifier');
  }
}

/** Validates a workflow job body exactly as the CLI sends it. Throws ApiError(400 / 501). */
export function validateJobBody(body: unknown, workspace: string): void {
  if (!isObj(body)) bad('request body must be a JSON object');
  if (body.type === 'trt-compilation-v1' || body.type === 'TRT_COMPILATION_V1') {
    throw new ApiError(501, 'TRT compilation jobs are not implemented by the emulator', 'NotImplemented');
  }
  str(body, 'type', '', { oneOf: ['simple-image-processing-v1', 'simple-video-processing-v1'] });
  const video = body.type === 'simple-video-processing-v1';
  const top = [
    'type', 'jobInput', 'computeConfiguration', 'processingTimeoutSeconds', 'maxParallelTasks',
    'processingSpecification', 'notificationsURL', 'inferenceBackend',
    ...(video ? [] : ['maxImageFailureRate']),
  ];
  checkKeys(body, '', top, ['type', 'jobInput', 'computeConfiguration', 'processingSpecification']);

  const ji = body.jobInput;
  if (!isObj(ji)) bad('"jobInput" must be an object');
  checkKeys(ji, 'jobInput.', ['type', 'batchId', 'partName', ...(video ? [] : ['imagesMetadataPart'])], ['type', 'batchId']);
  str(ji, 'type', 'jobInput.', { oneOf: ['staging-batch-input-v1'] });
  str(ji, 'batchId', 'jobInput.', { nonEmpty: true });
  checkId('batch', ji.batchId as string);
  str(ji, 'partName', 'jobInput.', { nonEmpty: true });
  str(ji, 'imagesMetadataPart', 'jobInput.', { nonEmpty: true });

  computeConfiguration(body.computeConfiguration, 'computeConfiguration');
  posInt(body, 'processingTimeoutSeconds', '');
  posInt(body, 'maxParallelTasks', '');
  rate(body, 'maxImageFailureRate', '');
  str(body, 'notificationsURL', '', { nonEmpty: true });
  if (typeof body.notificationsURL === 'string' && !/^https?:\/\/\S+$/.test(body.notificationsURL)) {
    bad('"notificationsURL" must be an http(s) URL');
  }
  str(body, 'inferenceBackend', '', { oneOf: ['old-inference', 'inference-models'] });

  const ps = body.processingSpecification;
  if (!isObj(ps)) bad('"processingSpecification" must be an object');
  const psKeys = [
    'type', 'workspace', 'workflowId', 'workflowParameters', 'imageInputName', 'persistImagesOutputs',
    'imagesOutputsToBePersisted', 'aggregationFormat',
    ...(video ? ['maxVideoFPS'] : ['imagesMetadataInputsMapping']),
  ];
  checkKeys(ps, 'processingSpecification.', psKeys, ['type', 'workspace', 'workflowId', 'persistImagesOutputs']);
  str(ps, 'type', 'processingSpecification.', { oneOf: ['workflows-processing-specification-v1'] });
  str(ps, 'workspace', 'processingSpecification.', { nonEmpty: true });
  if (ps.workspace !== workspace) bad(`"processingSpecification.workspace" must be the workspace of the API key ("${workspace}")`);
  str(ps, 'workflowId', 'processingSpecification.', { nonEmpty: true });
  if (typeof ps.persistImagesOutputs !== 'boolean') bad('"processingSpecification.persistImagesOutputs" must be a boolean');
  if ('workflowParameters' in ps && !isObj(ps.workflowParameters)) bad('"processingSpecification.workflowParameters" must be an object');
  str(ps, 'imageInputName', 'processingSpecification.', { nonEmpty: true });
  if ('imagesOutputsToBePersisted' in ps) {
    const v = ps.imagesOutputsToBePersisted;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.length > 0)) {
      bad('"processingSpecification.imagesOutputsToBePersisted" must be an array of strings');
    }
  }
  str(ps, 'aggregationFormat', 'processingSpecification.', { oneOf: ['csv', 'jsonl'] });
  if ('maxVideoFPS' in ps && (typeof ps.maxVideoFPS !== 'number' || !(ps.maxVideoFPS > 0))) {
    bad('"processingSpecification.maxVideoFPS" must be a positive number');
  }
  if ('imagesMetadataInputsMapping' in ps) {
    const m = ps.imagesMetadataInputsMapping;
    if (!isObj(m) || !Object.entries(m).every(([k, v]) => k.length > 0 && typeof v === 'string' && v.length > 0)) {
      bad('"processingSpecification.imagesMetadataInputsMapping" must map non-empty strings to non-empty strings');
    }
  }
}

/** Validates a restart body (`parameters-override-v1`) for a job of that kind: the failure rate is for image jobs only (5.1). */
export function validateRestartBody(body: unknown, kind: 'images' | 'videos'): void {
  if (!isObj(body)) bad('request body must be a JSON object');
  const allowed = ['type', 'computeConfiguration', 'maxParallelTasks', 'processingTimeoutSeconds', ...(kind === 'images' ? ['maxImageFailureRate'] : [])];
  checkKeys(body, '', allowed, ['type']);
  str(body, 'type', '', { oneOf: ['parameters-override-v1'] });
  if ('computeConfiguration' in body) computeConfiguration(body.computeConfiguration, 'computeConfiguration');
  posInt(body, 'maxParallelTasks', '');
  if ('processingTimeoutSeconds' in body) {
    const v = body.processingTimeoutSeconds;
    if (typeof v !== 'number' || !(v > 0)) bad('"processingTimeoutSeconds" must be a positive number');
  }
  rate(body, 'maxImageFailureRate', '');
}

/** Canonical JSON (sorted keys) for idempotency comparison. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObj(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

// ---------------------------------------------------------------- output rows

/** RFC 4180 quoting of one CSV cell. */
export function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface OutputRow {
  file_name: string;
  predictions: Prediction | null;
  error?: string;
}

export function formatRows(rows: OutputRow[], format: 'jsonl' | 'csv'): string {
  if (format === 'csv') {
    return ['file_name,predictions', ...rows.map((r) => `${csvCell(r.file_name)},${r.predictions ? csvCell(JSON.stringify(r.predictions)) : ''}`)]
      .map((l) => `${l}\r\n`)
      .join('');
  }
  return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
}

// ---------------------------------------------------------------- engine

export interface JobEngineDeps {
  webhooks?: Webhooks;
  store: Store;
  workspace: string;
  faults: FaultEngine;
  timeScale: () => number;
}

const iso = (d: Date) => d.toISOString();

export class JobEngine {
  readonly jobs = new Map<string, Job>();

  constructor(private readonly deps: JobEngineDeps) {}

  private get store(): Store {
    return this.deps.store;
  }

  private later(job: Job, ms: number, fn: () => void | Promise<void>): void {
    const t = setTimeout(() => {
      job.timers.delete(t);
      void Promise.resolve()
        .then(fn)
        .catch((e: unknown) => this.crash(job, e));
    }, Math.max(0, ms * this.deps.timeScale()));
    job.timers.add(t);
  }

  private crash(job: Job, e: unknown): void {
    if (job.isTerminal) return;
    this.log(job, 'error', 'job-internal-error', { message: e instanceof Error ? e.message : String(e) });
    this.finish(job, true, { type: 'job-failed', message: `internal emulator error: ${e instanceof Error ? e.message : String(e)}` });
  }

  stopAll(): void {
    for (const j of this.jobs.values()) {
      for (const t of j.timers) clearTimeout(t);
      j.timers.clear();
      j.generation++;
    }
  }

  private touch(job: Job): void {
    job.lastUpdate = new Date();
  }

  private log(job: Job, severity: Severity, logType: string, payload: Obj, stage?: Stage, task?: Task): void {
    job.logs.push({
      createdAt: new Date(),
      processingStageId: stage?.processingStageId ?? null,
      taskId: task?.taskId ?? null,
      severity,
      reportingModule: stage ? `${stage.processingStageName}-worker` : 'batch-processing-api',
      logType,
      payload,
    });
  }

  /** Effective parameters: definition + restart overrides, in order. */
  private params(job: Job): { maxParallelTasks: number; maxImageFailureRate: number | null } {
    let maxParallelTasks = (job.definition.maxParallelTasks as number | undefined) ?? DEFAULT_MAX_PARALLEL_TASKS;
    let maxImageFailureRate = (job.definition.maxImageFailureRate as number | undefined) ?? null;
    for (const o of job.restartParametersOverride) {
      if (typeof o.maxParallelTasks === 'number') maxParallelTasks = o.maxParallelTasks;
      if (typeof o.maxImageFailureRate === 'number') maxImageFailureRate = o.maxImageFailureRate;
    }
    return { maxParallelTasks, maxImageFailureRate };
  }

  /** Create (or idempotently re-create). Body must be validated already. */
  create(jobId: string, body: Obj, name: string | null): { status: 200; created: boolean } {
    const fingerprint = canonicalJson(body);
    const existing = this.jobs.get(jobId);
    if (existing) {
      if (existing.fingerprint !== fingerprint) {
        existing.conflicts++;
        throw new ApiError(409, `job ${jobId} already exists with a different definition`, 'Conflict');
      }
      existing.createCalls++;
      return { status: 200, created: false };
    }
    this.checkInput(body);
    const now = new Date();
    const job: Job = {
      jobId,
      name: name ?? jobId,
      definition: structuredClone(body),
      fingerprint,
      createdAt: now,
      lastUpdate: now,
      currentStage: null,
      plannedStages: ['processing', 'export'],
      isTerminal: false,
      error: false,
      lastNotification: { type: 'job-accepted', message: 'Job accepted; waiting for compute' },
      restartParametersOverride: [],
      stages: [],
      logs: [],
      createCalls: 1,
      conflicts: 0,
      restarts: 0,
      aborts: 0,
      generation: 0,
      timers: new Set(),
    };
    this.jobs.set(jobId, job);
    this.log(job, 'info', 'job-created', { jobId, workflowId: (body.processingSpecification as Obj).workflowId });
    this.schedule(job);
    return { status: 200, created: true };
  }

  /** The input batch must exist, match the job type and have indexed files. */
  private checkInput(body: Obj): void {
    const ji = body.jobInput as Obj;
    const batchId = ji.batchId as string;
    const batch = this.store.batches.get(batchId);
    if (!batch) bad(`input batch "${batchId}" does not exist`);
    const files = this.inputFiles(batch, ji.partName as string | undefined);
    const want = body.type === 'simple-video-processing-v1' ? 'videos' : 'images';
    if (files.length === 0) bad(`input batch "${batchId}" has no indexed files`);
    if (files.some((f) => f.contentType !== want)) bad(`input batch "${batchId}" does not hold ${want}`);
  }

  private inputFiles(batch: Batch, partName: string | undefined): FileEntry[] {
    if (batch.parts) {
      if (!partName) bad(`input batch "${batch.batchId}" is a multipart batch: jobInput.partName is required`);
      const part = batch.parts.get(partName);
      if (!part) bad(`input batch "${batch.batchId}" has no part "${partName}"`);
      return [...part.files.items];
    }
    if (partName) bad(`input batch "${batch.batchId}" is not a multipart batch: jobInput.partName is not allowed`);
    return [...batch.files.items];
  }

  private schedule(job: Job): void {
    const gen = job.generation;
    this.later(job, TIMINGS.jobStartMs, () => {
      if (job.generation === gen) this.beginProcessing(job, gen);
    });
  }

  private stageId(job: Job, name: string): string {
    return `${name}-${job.generation}-${randomBytes(4).toString('hex')}`;
  }

  private resetOutputBatch(id: string, partName: string, contentType: 'metadata' | 'archives', nested?: 'metadata'): void {
    this.store.deleteBatch(id);
    const b = this.store.createBatch(id, { displayName: id, batchType: 'multipart-batch', batchContentType: 'mixed', mode: 'system' });
    b.parts!.set(partName, {
      partName,
      partType: 'simple-batch',
      contentType,
      ...(nested ? { nestedContentType: nested } : {}),
      partDescription: partName === 'predictions' ? 'Workflow predictions' : 'Archives with the job results',
      files: new FileList(),
    });
  }

  private beginProcessing(job: Job, gen: number): void {
    const ji = job.definition.jobInput as Obj;
    const batch = this.store.batches.get(ji.batchId as string);
    let files: FileEntry[];
    try {
      if (!batch) throw new Error(`input batch ${String(ji.batchId)} no longer exists`);
      files = this.inputFiles(batch, ji.partName as string | undefined);
      if (files.length === 0) throw new Error('input batch has no files');
    } catch (e) {
      this.finish(job, true, { type: 'job-failed', message: e instanceof Error ? e.message : String(e) });
      return;
    }
    const video = job.definition.type === 'simple-video-processing-v1';
    const chunks: FileEntry[][] = [];
    const per = video ? 1 : IMAGES_PER_TASK;
    for (let i = 0; i < files.length; i += per) chunks.push(files.slice(i, i + per));
    const outId = `${job.jobId}-processing`;
    this.resetOutputBatch(outId, 'predictions', 'metadata');
    const now = new Date();
    const stage: Stage = {
      processingStageId: this.stageId(job, 'processing'),
      processingStageName: 'processing',
      tasksNumber: chunks.length,
      outputBatches: [outId],
      startTimestamp: now,
      notification: { type: 'stage-status', message: `Processing ${files.length} ${video ? 'videos' : 'images'} in ${chunks.length} tasks` },
      statusType: 'info',
      lastEventTimestamp: now,
      tasks: chunks.map((c, i) => ({
        taskId: `task-${String(i + 1).padStart(5, '0')}`,
        index: i + 1,
        files: c,
        statusType: 'info',
        notification: { type: 'task-status', message: 'Task queued' },
        progress: null,
        eventTimestamp: now,
      })),
    };
    job.stages.push(stage);
    job.currentStage = 'processing';
    job.lastNotification = { type: 'job-status', message: 'Processing stage started' };
    this.touch(job);
    this.log(job, 'info', 'stage-started', { stage: 'processing', tasks: chunks.length }, stage);
    const { maxParallelTasks } = this.params(job);
    for (let i = 0; i < Math.min(maxParallelTasks, stage.tasks.length); i++) this.startNextTask(job, stage, gen);
  }

  private startNextTask(job: Job, stage: Stage, gen: number): void {
    const task = stage.tasks.find((t) => t.statusType === 'info' && t.progress === null);
    if (!task) return;
    task.startedAt = Date.now();
    task.durationMs = (TIMINGS.taskBaseMs + TIMINGS.taskPerFileMs * task.files.length) * this.deps.timeScale();
    task.progress = 0;
    task.notification = { type: 'task-status', message: 'Task running' };
    task.eventTimestamp = new Date();
    this.touch(job);
    this.later(job, TIMINGS.taskBaseMs + TIMINGS.taskPerFileMs * task.files.length, async () => {
      if (job.generation !== gen) return;
      await this.runTask(job, stage, task, gen);
      if (job.generation !== gen) return;
      if (stage.tasks.every((t) => t.statusType !== 'info')) this.endProcessing(job, stage, gen);
      else this.startNextTask(job, stage, gen);
    });
  }

  private async runTask(job: Job, stage: Stage, task: Task, gen: number): Promise<void> {
    const video = job.definition.type === 'simple-video-processing-v1';
    const ps = job.definition.processingSpecification as Obj;
    const format = ps.aggregationFormat === 'csv' ? 'csv' : 'jsonl';
    const seed = this.deps.faults.seed;
    const failureRate = this.deps.faults.config.imageFailureRate ?? 0;
    const rows: OutputRow[] = [];
    let failures = 0;
    for (const f of task.files) {
      if (failureRate > 0 && hashUnit(seed, `image-failure:${f.batchId}:${f.name}`) < failureRate) {
        failures++;
        const error = `Workflow execution failed for ${f.name} (injected failure)`;
        rows.push({ file_name: f.name, predictions: null, error });
        this.log(job, 'error', 'image-processing-error', { fileName: f.name, error }, stage, task);
        continue;
      }
      rows.push({ file_name: f.name, predictions: video ? await predictLarge(f) : predictImage(await readObject(f), f.name) });
    }
    if (job.generation !== gen) return;
    const name = `predictions-${task.index}.${format}`;
    const { objectId, path } = this.store.newObject();
    await writeFile(path, formatRows(rows, format));
    if (job.generation !== gen) return;
    const out = this.store.batches.get(stage.outputBatches[0]!);
    if (out) {
      const size = (await stat(path)).size;
      this.store.addFile(
        out,
        { objectId, name, size, path, sha256: null, contentType: 'metadata', partName: 'predictions', batchId: out.batchId, createdAt: new Date() },
        'predictions',
      );
      this.store.noteReceived(out, `predictions/${name}`);
    }
    const { maxImageFailureRate } = this.params(job);
    const tooMany =
      maxImageFailureRate === null ? failures > DEFAULT_MAX_FAILED_IMAGES_PER_TASK : failures / task.files.length > maxImageFailureRate;
    task.progress = 1;
    task.eventTimestamp = new Date();
    if (tooMany) {
      task.statusType = 'error';
      task.notification = {
        type: 'task-status',
        message: `Too many failed images: ${failures} of ${task.files.length}`,
        processedImages: task.files.length - failures,
        failedImages: failures,
      };
      this.log(job, 'error', 'task-failed', { taskId: task.taskId, failedImages: failures, images: task.files.length }, stage, task);
    } else {
      task.statusType = 'success';
      task.notification = { type: 'task-status', message: 'Task completed', processedImages: task.files.length - failures, failedImages: failures };
      if (failures > 0) this.log(job, 'warning', 'task-completed-with-failures', { taskId: task.taskId, failedImages: failures }, stage, task);
      this.log(job, 'info', 'task-completed', { taskId: task.taskId, images: task.files.length, output: name }, stage, task);
    }
    stage.lastEventTimestamp = task.eventTimestamp;
    this.touch(job);
  }

  private endProcessing(job: Job, stage: Stage, gen: number): void {
    const failed = stage.tasks.filter((t) => t.statusType === 'error').length;
    stage.lastEventTimestamp = new Date();
    if (failed > 0) {
      stage.statusType = 'error';
      stage.notification = { type: 'stage-status', message: `${failed} of ${stage.tasksNumber} tasks failed` };
      this.log(job, 'error', 'stage-failed', { stage: 'processing', failedTasks: failed }, stage);
      this.finish(job, true, { type: 'job-failed', message: `Processing failed: ${failed} of ${stage.tasksNumber} tasks failed` });
      return;
    }
    stage.statusType = 'success';
    stage.notification = { type: 'stage-status', message: 'Processing completed' };
    this.log(job, 'info', 'stage-completed', { stage: 'processing' }, stage);
    this.beginExport(job, stage, gen);
  }

  private beginExport(job: Job, processing: Stage, gen: number): void {
    const src = this.store.batches.get(processing.outputBatches[0]!);
    const files = [...(src?.parts?.get('predictions')?.files.items ?? [])];
    const outId = `${job.jobId}-export`;
    this.resetOutputBatch(outId, 'export', 'archives', 'metadata');
    const groups: FileEntry[][] = [];
    for (let i = 0; i < files.length; i += PREDICTION_FILES_PER_ARCHIVE) groups.push(files.slice(i, i + PREDICTION_FILES_PER_ARCHIVE));
    if (groups.length === 0) groups.push([]);
    const now = new Date();
    const stage: Stage = {
      processingStageId: this.stageId(job, 'export'),
      processingStageName: 'export',
      tasksNumber: groups.length,
      outputBatches: [outId],
      startTimestamp: now,
      notification: { type: 'stage-status', message: `Exporting ${files.length} result files` },
      statusType: 'info',
      lastEventTimestamp: now,
      tasks: groups.map((g, i) => ({
        taskId: `task-${String(i + 1).padStart(5, '0')}`,
        index: i + 1,
        files: g,
        statusType: 'info' as const,
        notification: { type: 'task-status', message: 'Task running' },
        progress: 0,
        eventTimestamp: now,
        startedAt: Date.now(),
        durationMs: TIMINGS.exportMs * this.deps.timeScale(),
      })),
    };
    job.stages.push(stage);
    job.currentStage = 'export';
    job.lastNotification = { type: 'job-status', message: 'Export stage started' };
    this.touch(job);
    this.log(job, 'info', 'stage-started', { stage: 'export', tasks: groups.length }, stage);
    this.later(job, TIMINGS.exportMs, async () => {
      if (job.generation !== gen) return;
      for (const task of stage.tasks) {
        const name = `export-${task.index}.tar.gz`;
        const { objectId, path } = this.store.newObject();
        await writeArchive(path, task.files.map((f) => ({ name: `predictions/${f.name}`, object: f })));
        if (job.generation !== gen) return;
        const out = this.store.batches.get(outId);
        if (out) {
          const size = (await stat(path)).size;
          this.store.addFile(
            out,
            { objectId, name, size, path, sha256: null, contentType: 'archives', nestedContentType: 'metadata', partName: 'export', batchId: outId, createdAt: new Date() },
            'export',
          );
          this.store.noteReceived(out, `export/${name}`);
        }
        task.statusType = 'success';
        task.progress = 1;
        task.notification = { type: 'task-status', message: 'Archive exported', fileName: name };
        task.eventTimestamp = new Date();
      }
      if (job.generation !== gen) return;
      stage.statusType = 'success';
      stage.notification = { type: 'stage-status', message: 'Export completed' };
      stage.lastEventTimestamp = new Date();
      this.log(job, 'info', 'stage-completed', { stage: 'export' }, stage);
      this.finish(job, false, { type: 'job-completed', message: 'Job completed successfully', resultsBatches: [outId] });
    });
  }

  private finish(job: Job, error: boolean, notification: Obj): void {
    for (const t of job.timers) clearTimeout(t);
    job.timers.clear();
    job.isTerminal = true;
    job.error = error;
    job.lastNotification = notification;
    this.touch(job);
    this.log(job, error ? 'error' : 'info', error ? 'job-failed' : 'job-completed', { message: notification.message });
    this.notify(job);
  }

  private notify(job: Job): void {
    const url = job.definition.notificationsURL;
    if (typeof url !== 'string' || !this.deps.webhooks) return;
    this.deps.webhooks.send(url, { type: 'roboflow-batch-job-notification-v1', job_id: job.jobId, job_state: job.error ? 'fail' : 'success' });
  }

  abort(jobId: string): Obj {
    const job = this.mustGet(jobId);
    job.aborts++;
    if (job.isTerminal) return { status: 'ok', message: `job ${jobId} is already terminal` };
    job.generation++;
    for (const t of job.timers) clearTimeout(t);
    job.timers.clear();
    const now = new Date();
    const stage = job.stages[job.stages.length - 1];
    if (stage && stage.statusType === 'info') {
      stage.statusType = 'error';
      stage.notification = { type: 'stage-status', message: 'Stage aborted by user' };
      stage.lastEventTimestamp = now;
      for (const t of stage.tasks) {
        if (t.statusType !== 'info') continue;
        t.statusType = 'error';
        t.notification = { type: 'task-status', message: 'Task aborted' };
        t.eventTimestamp = now;
      }
    }
    job.isTerminal = true;
    job.error = true;
    job.lastNotification = { type: 'job-aborted', message: 'Job aborted by user' };
    this.touch(job);
    this.log(job, 'warning', 'job-aborted', { jobId });
    this.notify(job);
    return { status: 'ok', message: `job ${jobId} aborted` };
  }

  restart(jobId: string, override: Obj | null): Obj {
    const job = this.mustGet(jobId);
    if (!job.isTerminal || !job.error) {
      throw new ApiError(409, `job ${jobId} can only be restarted when it has failed or was aborted`, 'Conflict');
    }
    const lag = this.deps.faults.restartLagMs;
    if (lag > 0) job.beforeRestart = { until: Date.now() + lag, job: structuredClone(this.jobJson(job)), stages: job.stages };
    job.restarts++;
    job.generation++;
    if (override) job.restartParametersOverride.push(structuredClone(override));
    job.stages = [];
    job.isTerminal = false;
    job.error = false;
    job.currentStage = null;
    job.lastNotification = { type: 'job-restarted', message: 'Job restarted; waiting for compute' };
    this.store.deleteBatch(`${job.jobId}-processing`);
    this.store.deleteBatch(`${job.jobId}-export`);
    this.touch(job);
    this.log(job, 'info', 'job-restarted', { jobId, override });
    this.schedule(job);
    return { status: 'ok', message: `job ${jobId} restarted` };
  }

  /** What the job processes, from its definition. */
  kindOf(job: Job): 'images' | 'videos' {
    return job.definition.type === 'simple-video-processing-v1' ? 'videos' : 'images';
  }

  mustGet(jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (!job) throw new ApiError(404, `job ${jobId} not found`, 'NotFound');
    return job;
  }

  // ------------------------------------------------------------ rendering

  /** The job and stages as the API shows them: as before a restart while `restartLagMs` hides it. */
  view(job: Job): { job: Obj; stages: Stage[] } {
    const before = job.beforeRestart;
    if (before && Date.now() < before.until) return before;
    return { job: this.jobJson(job), stages: job.stages };
  }

  jobJson(job: Job): Obj {
    return {
      jobId: job.jobId,
      name: job.name,
      jobDefinition: job.definition,
      currentStage: job.currentStage,
      plannedStages: job.plannedStages,
      error: job.error,
      isTerminal: job.isTerminal,
      lastNotification: job.lastNotification,
      createdAt: iso(job.createdAt),
      lastUpdate: iso(job.lastUpdate),
      restartParametersOverride: job.restartParametersOverride,
    };
  }

  stageJson(stage: Stage): Obj {
    return {
      processingStageId: stage.processingStageId,
      processingStageName: stage.processingStageName,
      tasksNumber: stage.tasksNumber,
      outputBatches: stage.outputBatches,
      startTimestamp: iso(stage.startTimestamp),
      notification: stage.notification,
      statusType: stage.statusType,
      lastEventTimestamp: iso(stage.lastEventTimestamp),
    };
  }

  taskJson(task: Task): Obj {
    let progress = task.progress;
    if (task.statusType === 'info' && progress !== null && task.startedAt !== undefined && task.durationMs) {
      progress = Math.min(0.99, Math.round(((Date.now() - task.startedAt) / task.durationMs) * 1000) / 1000);
    }
    return {
      taskId: task.taskId,
      notification: task.notification,
      statusType: task.statusType,
      progress,
      eventTimestamp: iso(task.eventTimestamp),
    };
  }

  logJson(l: JobLog): Obj {
    return { ...l, createdAt: iso(l.createdAt) };
  }
}

/** Prediction for a possibly large file (video): streamed digest + leading bytes. */
async function predictLarge(f: FileEntry): Promise<Prediction> {
  const hash = createHash('sha256');
  let head = Buffer.alloc(0);
  for await (const chunk of objectStream(f)) {
    const c = chunk as Buffer;
    hash.update(c);
    if (head.length < 65536) head = Buffer.concat([head, c.subarray(0, 65536 - head.length)]);
  }
  return predictFromDigest(hash.digest(), head);
}

/** Streams files into a .tar.gz (relative member paths). */
export async function writeArchive(path: string, members: { name: string; object: Pick<FileEntry, 'path' | 'size' | 'offset'> }[]): Promise<void> {
  const p = tarPack();
  const done = pipeline(p, createGzip(), createWriteStream(path));
  for (const m of members) {
    await new Promise<void>((resolve, reject) => {
      const entry = p.entry({ name: m.name, size: m.object.size, mode: 0o644, mtime: new Date() }, (err?: Error | null) => (err ? reject(err) : resolve()));
      objectStream(m.object).on('error', reject).pipe(entry);
    });
  }
  p.finalize();
  await done;
}
