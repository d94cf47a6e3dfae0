// The pipeline steps the app runs, in order. The ingest and jobs parts own them.

import type { Step } from '../engine/pipeline/step';

export function pipelineSteps(): Step[] {
  return [];
}
