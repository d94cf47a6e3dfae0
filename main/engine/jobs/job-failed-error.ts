// An item's job ended in failure on the service. Retrying the item restarts that job there
// (processing-step.ts, restartIfRetried), so the error names it: the console and the command line
// say "restart" rather than "retry" for such an item, and `resume` asks before doing it.

import { ApiError } from '../roboflow/http';

export class JobFailedError extends ApiError {
  constructor(
    readonly jobId: string,
    reason: string,
  ) {
    // one sentence, whatever the service's notification ends with: hints follow it
    super(`Job ${jobId} failed: ${reason}${/[.!?]$/.test(reason) ? '' : '.'}`, 'remote', 'job');
    this.name = 'JobFailedError';
  }
}
