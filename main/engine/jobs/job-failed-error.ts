// An item's job ended in failure on the service. The error names it: retrying such an item means
// restarting that job there (job-control.ts, restartForRetry), which runs and is paid for again,
// so the console says "Restart job" and asks first, and `resume` does it only when told to.

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
