// The job form's values (as typed) and their validation into JobOptions. Unset options stay unset,
// so the service applies its own defaults (roboflow-api.md 5.1).

import { jobIdProblem, workflowIdProblem } from '../../../shared/ids';
import type { JobOptions } from '../../../shared/domain';
import { JOB_LIMITS, VIDEO_FPS, WORKERS_PER_MACHINE, isWorkersPerMachine } from '../../../shared/limits';

export interface JobFormValues {
  workflowId: string;
  outDir: string;
  jobId: string;
  jobName: string;
  machineType: '' | 'cpu' | 'gpu';
  workersPerMachine: string;
  maxParallelTasks: string;
  maxRuntimeSeconds: string;
  maxImageFailureRate: string;
  aggregationFormat: '' | 'csv' | 'jsonl';
  imageInputName: string;
  workflowParameters: string;
  persistImageOutputs: boolean;
  imageOutputsToSave: string;
  partName: string;
  maxVideoFps: string;
  inferenceBackend: '' | 'old-inference' | 'inference-models';
}

export type JobFormErrors = Partial<Record<keyof JobFormValues, string>>;

export function formValuesFrom(job: Partial<JobOptions>, outDir: string): JobFormValues {
  const str = (n: number | undefined) => (n == null ? '' : String(n));
  return {
    workflowId: job.workflowId ?? '',
    outDir,
    jobId: '',
    jobName: job.jobName ?? '',
    machineType: job.machineType ?? '',
    workersPerMachine: str(job.workersPerMachine),
    maxParallelTasks: str(job.maxParallelTasks),
    maxRuntimeSeconds: str(job.maxRuntimeSeconds),
    maxImageFailureRate: str(job.maxImageFailureRate),
    aggregationFormat: job.aggregationFormat ?? '',
    imageInputName: job.imageInputName ?? '',
    workflowParameters: job.workflowParameters ? JSON.stringify(job.workflowParameters, null, 2) : '',
    persistImageOutputs: job.persistImageOutputs ?? false,
    imageOutputsToSave: (job.imageOutputsToSave ?? []).join(', '),
    partName: job.partName ?? '',
    maxVideoFps: str(job.maxVideoFps),
    inferenceBackend: job.inferenceBackend ?? '',
  };
}

function positiveInt(text: string, label: string, max: number): [number | undefined, string | undefined] {
  const t = text.trim();
  if (!t) return [undefined, undefined];
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > max) return [undefined, `${label} must be a whole number from 1 to ${max.toLocaleString('en-US')}.`];
  return [Number(t), undefined];
}

/** Empty (the service's default) or one of the worker counts the service offers (shared/limits.ts). */
export function workersChoice(text: string): [number | undefined, string | undefined] {
  const t = text.trim();
  if (!t) return [undefined, undefined];
  const n = Number(t);
  return isWorkersPerMachine(n) ? [n, undefined] : [undefined, `Workers per machine must be one of ${WORKERS_PER_MACHINE.join(', ')}.`];
}

/** An absolute path on POSIX (/data) or Windows (C:\data, \\server\share); main checks it again on its own platform. */
export function isAbsolutePath(p: string): boolean {
  return /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(p);
}

export function validateJobForm(v: JobFormValues): { job?: JobOptions; outDir?: string; errors: JobFormErrors } {
  const errors: JobFormErrors = {};
  const job: JobOptions = { workflowId: v.workflowId.trim() };
  const workflowProblem = job.workflowId ? workflowIdProblem(job.workflowId) : 'Enter the id of a saved Workflow in this workspace.';
  if (workflowProblem) errors.workflowId = workflowProblem;
  const outDir = v.outDir.trim();
  if (!outDir) errors.outDir = 'Choose where the export and results are written.';
  else if (!isAbsolutePath(outDir)) errors.outDir = 'Give the full path of the output folder, like /data/results.';

  if (v.jobId.trim()) {
    const problem = jobIdProblem(v.jobId.trim());
    if (problem) errors.jobId = problem;
    else job.jobId = v.jobId.trim();
  }
  if (v.jobName.trim()) job.jobName = v.jobName.trim();
  if (v.machineType) job.machineType = v.machineType;

  const [workers, workersError] = workersChoice(v.workersPerMachine);
  if (workersError) errors.workersPerMachine = workersError;
  else if (workers != null) job.workersPerMachine = workers;

  const ints = [
    ['maxParallelTasks', 'Parallel tasks'],
    ['maxRuntimeSeconds', 'Runtime budget (seconds)'],
  ] as const;
  for (const [key, label] of ints) {
    const [value, error] = positiveInt(v[key], label, JOB_LIMITS[key]);
    if (error) errors[key] = error;
    else if (value != null) job[key] = value;
  }

  const rate = v.maxImageFailureRate.trim();
  if (rate) {
    const n = Number(rate);
    if (!Number.isFinite(n) || n < 0 || n > 1) errors.maxImageFailureRate = 'Failure rate is a fraction from 0 to 1 (0.05 = 5 %).';
    else job.maxImageFailureRate = n;
  }
  const fps = v.maxVideoFps.trim();
  if (fps) {
    const n = Number(fps);
    if (!Number.isFinite(n) || n < VIDEO_FPS.min || n > VIDEO_FPS.max) errors.maxVideoFps = `Frames per second must be a number from ${VIDEO_FPS.min} to ${VIDEO_FPS.max}.`;
    else job.maxVideoFps = n;
  }
  if (v.aggregationFormat) job.aggregationFormat = v.aggregationFormat;
  if (v.imageInputName.trim()) job.imageInputName = v.imageInputName.trim();
  if (v.workflowParameters.trim()) {
    try {
      const parsed: unknown = JSON.parse(v.workflowParameters);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) errors.workflowParameters = 'Parameters must be a JSON object, like {"confidence": 0.4}.';
      else job.workflowParameters = parsed as Record<string, unknown>;
    } catch (e) {
      errors.workflowParameters = `Parameters are not valid JSON: ${(e as Error).message}`;
    }
  }
  job.persistImageOutputs = v.persistImageOutputs;
  const outputs = v.imageOutputsToSave.split(',').map((s) => s.trim()).filter(Boolean);
  if (outputs.length) job.imageOutputsToSave = outputs;
  if (v.partName.trim()) job.partName = v.partName.trim();
  if (v.inferenceBackend) job.inferenceBackend = v.inferenceBackend;

  if (Object.keys(errors).length > 0) return { errors };
  return { job, outDir, errors };
}

/** What is remembered for next time: every choice except the job's own id. */
export function rememberedJob(job: JobOptions): Partial<JobOptions> {
  const { jobId: _id, ...rest } = job;
  void _id;
  return rest;
}
