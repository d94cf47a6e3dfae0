// The pipeline steps the app runs, in order: the same list as the command line (ingest, then
// processing and export), with the same tuning knobs from the environment.

import type { Step } from '../engine/pipeline/step';
import { cliSteps } from '../cli/engine-factory';

export function pipelineSteps(env: NodeJS.ProcessEnv = process.env): Step[] {
  return cliSteps(env);
}
