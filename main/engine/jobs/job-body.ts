// The job body of roboflow-api.md 5.1 and the restart body of 5.7, built from JobOptions. Unset
// options are left out (the official client serialises without nulls); persistImagesOutputs is
// always sent. Key order follows the official client so the minimal body matches it byte for byte.

import type { JobOptions, RestartOverrides } from '../../../shared/domain';

export type JobMediaKind = 'images' | 'videos';

export interface JobTarget {
  batchId: string;
  workspace: string;
  kind: JobMediaKind;
}

type Body = Record<string, unknown>;

/** Adds `key` only when the value is set (not undefined, not null). */
function put(o: Body, key: string, value: unknown): void {
  if (value !== undefined && value !== null) o[key] = value;
}

export function buildJobBody(options: JobOptions, target: JobTarget): Body {
  const images = target.kind === 'images';
  const jobInput: Body = { type: 'staging-batch-input-v1', batchId: target.batchId };
  put(jobInput, 'partName', options.partName);

  const computeConfiguration: Body = { type: 'compute-configuration-v2' };
  put(computeConfiguration, 'machineType', options.machineType);
  put(computeConfiguration, 'workersPerMachine', options.workersPerMachine);

  const spec: Body = {
    type: 'workflows-processing-specification-v1',
    workspace: target.workspace,
    workflowId: options.workflowId,
  };
  put(spec, 'workflowParameters', options.workflowParameters);
  put(spec, 'imageInputName', options.imageInputName);
  spec.persistImagesOutputs = options.persistImageOutputs ?? false;
  put(spec, 'imagesOutputsToBePersisted', options.imageOutputsToSave?.length ? options.imageOutputsToSave : undefined);
  put(spec, 'aggregationFormat', options.aggregationFormat);
  if (!images) put(spec, 'maxVideoFPS', options.maxVideoFps);

  const body: Body = {
    type: images ? 'simple-image-processing-v1' : 'simple-video-processing-v1',
    jobInput,
    computeConfiguration,
  };
  put(body, 'processingTimeoutSeconds', options.maxRuntimeSeconds);
  put(body, 'maxParallelTasks', options.maxParallelTasks);
  if (images) put(body, 'maxImageFailureRate', options.maxImageFailureRate);
  body.processingSpecification = spec;
  put(body, 'inferenceBackend', options.inferenceBackend);
  return body;
}

/**
 * The restart body, or undefined when no override is given (then no body is sent at all). The
 * failure rate is for image jobs only: a video job refuses it (5.1), so it is left out there.
 */
export function buildRestartBody(overrides: RestartOverrides, kind: JobMediaKind): Body | undefined {
  const body: Body = { type: 'parameters-override-v1' };
  if (overrides.machineType || overrides.workersPerMachine) {
    const cc: Body = { type: 'compute-configuration-v2' };
    put(cc, 'machineType', overrides.machineType);
    // 0 means "not given", as in the official client.
    if (overrides.workersPerMachine) cc.workersPerMachine = overrides.workersPerMachine;
    body.computeConfiguration = cc;
  }
  put(body, 'maxParallelTasks', overrides.maxParallelTasks);
  put(body, 'processingTimeoutSeconds', overrides.maxRuntimeSeconds);
  if (kind === 'images') put(body, 'maxImageFailureRate', overrides.maxImageFailureRate);
  return Object.keys(body).length > 1 ? body : undefined;
}

/** Stable text of a body (sorted keys), to tell whether two bodies are the same definition. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
