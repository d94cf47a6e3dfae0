// The command line's --workers-per-machine takes only the worker counts the service offers, the
// same set main checks for the console (shared/limits.ts).

import { expect, it } from 'vitest';
import { parseJobOptions } from '../../main/cli/job-options';
import { WORKERS_PER_MACHINE } from '../../shared/limits';

it('accepts 1, 2, 4 and 8 workers per machine and refuses anything else', () => {
  for (const w of WORKERS_PER_MACHINE) expect(parseJobOptions({ 'workflow-id': 'wf', 'workers-per-machine': String(w) }).workersPerMachine).toBe(w);
  for (const w of ['3', '16', '64', '0', '2.5', 'four']) {
    expect(() => parseJobOptions({ 'workflow-id': 'wf', 'workers-per-machine': w })).toThrow('--workers-per-machine must be one of 1, 2, 4, 8.');
  }
  expect(parseJobOptions({ 'workflow-id': 'wf' })).not.toHaveProperty('workersPerMachine');
});
