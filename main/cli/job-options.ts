// Every job option flag of the command line, parsed into JobOptions (shared by run, process and watch).
// Unset flags stay unset, so they are not sent (roboflow-api.md 5.1).

import fs from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import type { JobOptions } from '../../shared/domain';
import { jobIdProblem } from '../../shared/ids';
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
  --workers-per-machine <n>
  --max-parallel-tasks <n>
  --max-runtime-seconds <n>       machine-time budget of the whole job
  --max-image-failure-rate <f>    0.0–1.0, images only
  --aggregation-format csv|jsonl
  --save-image-outputs            persist the Workflow's image outputs
  --image-outputs-to-save <name>  only these image outputs (repeatable)
  --part-name <name>              part of a multipart input batch
  --max-video-fps <n>             videos only
  --job-name <name>               display name of the job
  --inference-backend old-inference|inference-models
  --job-id <id>                   our own job id (a-z, 0-9, "-", "_", at most 20); generated when absent`;

function oneOf<T extends string>(value: unknown, flag: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new CliError(`--${flag} must be one of ${allowed.join(', ')}.`);
  return value as T;
}

function text(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const s = String(value).trim();
  if (!s) throw new CliError(`--${flag} must not be empty.`);
  return s;
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
  set('workersPerMachine', intOption(values['workers-per-machine'], 'workers-per-machine', 1, 64));
  set('maxParallelTasks', intOption(values['max-parallel-tasks'], 'max-parallel-tasks', 1, 100_000));
  set('maxRuntimeSeconds', intOption(values['max-runtime-seconds'], 'max-runtime-seconds', 1));
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
  set('maxVideoFps', intOption(values['max-video-fps'], 'max-video-fps', 1, 1000));
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
