import { describe, expect, it } from 'vitest';
import { buildJobBody, buildRestartBody } from '../../main/engine/jobs/job-body';

describe('job body (roboflow-api.md 5.1)', () => {
  it('is byte for byte the official client minimal body when only a Workflow is given', () => {
    const body = buildJobBody({ workflowId: 'wf' }, { batchId: 'my-batch', workspace: '<ws>', kind: 'images' });
    expect(JSON.stringify(body)).toBe(
      '{"type":"simple-image-processing-v1","jobInput":{"type":"staging-batch-input-v1","batchId":"my-batch"},"computeConfiguration":{"type":"compute-configuration-v2"},"processingSpecification":{"type":"workflows-processing-specification-v1","workspace":"<ws>","workflowId":"wf","persistImagesOutputs":false}}',
    );
  });

  it('maps every image option to its key, in the official order', () => {
    const body = buildJobBody(
      {
        workflowId: 'wf',
        workflowParameters: { threshold: 0.4 },
        imageInputName: 'picture',
        machineType: 'gpu',
        workersPerMachine: 2,
        maxParallelTasks: 3,
        maxRuntimeSeconds: 3600,
        maxImageFailureRate: 0.25,
        aggregationFormat: 'csv',
        persistImageOutputs: true,
        imageOutputsToSave: ['viz'],
        partName: 'p1',
        maxVideoFps: 5, // ignored for images
        inferenceBackend: 'inference-models',
        jobName: 'nightly', // a query parameter, not in the body
      },
      { batchId: 'b', workspace: 'ws', kind: 'images' },
    );
    expect(JSON.stringify(body)).toBe(
      JSON.stringify({
        type: 'simple-image-processing-v1',
        jobInput: { type: 'staging-batch-input-v1', batchId: 'b', partName: 'p1' },
        computeConfiguration: { type: 'compute-configuration-v2', machineType: 'gpu', workersPerMachine: 2 },
        processingTimeoutSeconds: 3600,
        maxParallelTasks: 3,
        maxImageFailureRate: 0.25,
        processingSpecification: {
          type: 'workflows-processing-specification-v1',
          workspace: 'ws',
          workflowId: 'wf',
          workflowParameters: { threshold: 0.4 },
          imageInputName: 'picture',
          persistImagesOutputs: true,
          imagesOutputsToBePersisted: ['viz'],
          aggregationFormat: 'csv',
        },
        inferenceBackend: 'inference-models',
      }),
    );
  });

  it('sends maxVideoFPS for videos and never maxImageFailureRate', () => {
    const body = buildJobBody({ workflowId: 'wf', maxVideoFps: 5, maxImageFailureRate: 0.5 }, { batchId: 'v', workspace: 'ws', kind: 'videos' });
    expect(body.type).toBe('simple-video-processing-v1');
    expect(body).not.toHaveProperty('maxImageFailureRate');
    expect((body.processingSpecification as Record<string, unknown>).maxVideoFPS).toBe(5);
  });
});

describe('restart body (5.7)', () => {
  it('is absent without overrides, so no body is sent', () => {
    expect(buildRestartBody({}, 'images')).toBeUndefined();
    expect(buildRestartBody({ workersPerMachine: 0 }, 'images')).toBeUndefined();
  });

  it('carries only the overrides given', () => {
    expect(buildRestartBody({ machineType: 'gpu', maxParallelTasks: 4, maxRuntimeSeconds: 600, maxImageFailureRate: 0.1 }, 'images')).toEqual({
      type: 'parameters-override-v1',
      computeConfiguration: { type: 'compute-configuration-v2', machineType: 'gpu' },
      maxParallelTasks: 4,
      processingTimeoutSeconds: 600,
      maxImageFailureRate: 0.1,
    });
  });

  it('never carries maxImageFailureRate for a video job (5.1: refused there)', () => {
    expect(buildRestartBody({ maxParallelTasks: 4, maxImageFailureRate: 0.1 }, 'videos')).toEqual({ type: 'parameters-override-v1', maxParallelTasks: 4 });
    expect(buildRestartBody({ maxImageFailureRate: 0.1 }, 'videos')).toBeUndefined();
  });
});
