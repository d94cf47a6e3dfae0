// Every job option flag of the command line, parsed into JobOptions (shared by run, process and watch).
// Unset flags stay unset, so they are not sent (roboflow-api.md 5.1).

import fs from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import type { JobOptions } from '../../shared/domain';
import { jobIdProblem } from '../../shared/ids';
import { JOB_LIMITS, VIDEO_FPS, WORKERS_PER_MACHINE, isWorkersPerMachine } from '../../shared/limits';
import { CliError, intOption } from './command';

export const JOB_OPTION_FLAGS = {
  'workflow-id': { type: 'string' },
  'workflow-params': { type: 'string' },
  'image-input-name': { type: 'string' },
  'machine-type': { type: 'string' },
  'workers-per-machine': { type: 'string' },
  'max-parallel-tasks': { type: 'string' },
  'max-runtime-seconds': { type: 'string' },
  'max-image-failure-rate': { type: 'string' },
  'aggregation-format': { type: 'string' },
  'save-image-outputs': { type: 'boolean' },
  'image-outputs-to-save': { type: 'string', multiple: true },
  'part-name': { type: 'string' },
  'max-video-fps': { type: 'string' },
  'job-name': { type: 'string' },
  'inference-backend': { type: 'string' },
  'job-id': { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const JOB_OPTIONS_USAGE = `Job options:
  --workflow-id <id>              saved Workflow to run (required)
  --workflow-params <file.json>   Workflow parameters (a JSON object)
  --image-input-name <name>       the Workflow's image input, when not "image"
  --machine-type cpu|gpu
  --workers-per-machine 1|2|4|8
  --max-parallel-tasks <n>        1 to ${JOB_LIMITS.maxParallelTasks.toLocaleString('en-US')}
  --max-runtime-seconds <n>       machine-time budget of the whole job (at most ${JOB_LIMITS.maxRuntimeSeconds.toLocaleString('en-US')} = 7 days)
  --max-image-failure-rate <f>    0.0–1.0, images only
  --aggregation-format csv|jsonl
  --save-image-outputs            persist the Workflow's image outputs
  --image-outputs-to-save <name>  only these image outputs (repeatable)
  --part-name <name>              part of a multipart input batch
  --max-video-fps <f>             videos only, ${VIDEO_FPS.min}–${VIDEO_FPS.max} (fractions allowed)
  --job-name <name>               display name of the job
  --inference-backend old-inference|inference-models
  --job-id <id>                   our own job id (a-z, 0-9, "-", "_", at most 20); generated when absent`;

function oneOf<T extends string>(value: unknown, flag: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new CliError(`--${flag} must be one of ${allowed.join(', ')}.`);
  return value as T;
}

/** A number, fractions allowed (the API takes an int or a float), within [min, max]. */
function numberOption(value: unknown, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (String(value).trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new CliError(`--${flag} must be a number from ${min} to ${max}.`);
  return n;
}

function text(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const s = String(value).trim();
  if (!s) throw new CliError(`--${flag} must not be empty.`);
  return s;
}

/** Only the worker counts the service offers (shared/limits.ts). */
function workersOption(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!isWorkersPerMachine(n)) throw new CliError(`--workers-per-machine must be one of ${WORKERS_PER_MACHINE.join(', ')}.`);
  return n;
}

/** Parses the job flags; `requireWorkflow` false lets a caller fill the Workflow from elsewhere (e.g. settings). */
export function parseJobOptions(values: Record<string, unknown>, opts: { requireWorkflow?: boolean } = {}): JobOptions {
  const workflowId = text(values['workflow-id'], 'workflow-id');
  if (!workflowId && opts.requireWorkflow !== false) throw new CliError('--workflow-id is required.');
  const job: JobOptions = { workflowId: workflowId ?? '' };

  const paramsFile = values['workflow-params'] as string | undefined;
  if (paramsFile !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(paramsFile, 'utf8'));
    } catch (err) {
      throw new CliError(`--workflow-params: cannot read ${paramsFile} as JSON (${(err as Error).message}).`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliError('--workflow-params must hold a JSON object.');
    job.workflowParameters = parsed as Record<string, unknown>;
  }
  const set = <K extends keyof JobOptions>(key: K, value: JobOptions[K] | undefined) => {
    if (value !== undefined) job[key] = value;
  };
  set('imageInputName', text(values['image-input-name'], 'image-input-name'));
  set('machineType', oneOf(values['machine-type'], 'machine-type', ['cpu', 'gpu'] as const));
  set('workersPerMachine', workersOption(values['workers-per-machine']));
  // The console's limits (main/host/validate.ts), so a job the CLI starts is one the console could.
  set('maxParallelTasks', intOption(values['max-parallel-tasks'], 'max-parallel-tasks', 1, JOB_LIMITS.maxParallelTasks));
  set('maxRuntimeSeconds', intOption(values['max-runtime-seconds'], 'max-runtime-seconds', 1, JOB_LIMITS.maxRuntimeSeconds));
  if (values['max-image-failure-rate'] !== undefined) {
    const r = Number(values['max-image-failure-rate']);
    if (!Number.isFinite(r) || r < 0 || r > 1) throw new CliError('--max-image-failure-rate must be a number from 0.0 to 1.0.');
    job.maxImageFailureRate = r;
  }
  set('aggregationFormat', oneOf(values['aggregation-format'], 'aggregation-format', ['csv', 'jsonl'] as const));
  if (values['save-image-outputs'] !== undefined) job.persistImageOutputs = Boolean(values['save-image-outputs']);
  const outputs = values['image-outputs-to-save'] as string[] | undefined;
  if (outputs?.length) job.imageOutputsToSave = outputs.map((o) => text(o, 'image-outputs-to-save')!);
  set('partName', text(values['part-name'], 'part-name'));
  set('maxVideoFps', numberOption(values['max-video-fps'], 'max-video-fps', VIDEO_FPS.min, VIDEO_FPS.max));
  set('jobName', text(values['job-name'], 'job-name'));
  set('inferenceBackend', oneOf(values['inference-backend'], 'inference-backend', ['old-inference', 'inference-models'] as const));
  const jobId = text(values['job-id'], 'job-id');
  if (jobId) {
    const problem = jobIdProblem(jobId);
    if (problem) throw new CliError(problem);
    job.jobId = jobId;
  }
  return job;
}
