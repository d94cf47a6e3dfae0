// `batch-desk logs --job-id <id>`: the job's logs, optionally of one severity.

import { jobIdProblem } from '../../../shared/ids';
import { CliError, EXIT_OK, intOption, parseCommandArgs, type Command } from '../command';
import { resolveCredentials } from '../engine-factory';
import { RoboflowClient } from '../../engine/roboflow/client';
import { logRow } from '../../engine/jobs/job-view';

export const logsCommand: Command = {
  name: 'logs',
  summary: 'Show a job’s logs',
  interruptedHint: 'nothing was changed — run the same command again',
  usage: `batch-desk logs --job-id <id> [--severity info|warning|error] [--limit <n>]

Prints the job's logs, oldest first (with --json, one JSON record per line as the service sends it).`,
  async run(ctx) {
    const { values, global } = parseCommandArgs(ctx, {
      'job-id': { type: 'string' },
      severity: { type: 'string' },
      limit: { type: 'string' },
    });
    const jobId = values['job-id'] as string | undefined;
    if (!jobId) throw new CliError('--job-id is required.');
    const problem = jobIdProblem(jobId);
    if (problem) throw new CliError(problem);
    const severity = values.severity as string | undefined;
    if (severity !== undefined && !['info', 'warning', 'error'].includes(severity)) throw new CliError('--severity must be info, warning or error.');
    const limit = intOption(values.limit, 'limit', 1);
    const creds = await resolveCredentials(global, ctx.env);
    const client = await RoboflowClient.connect({ apiUrl: creds.apiUrl, apiKey: creds.apiKey }, ctx.signal);
    const logs = await client.processing.logs(jobId, { severity: severity as 'info' | 'warning' | 'error' | undefined, limit, signal: ctx.signal });
    for (const l of logs) {
      if (global.json) ctx.stdout.write(JSON.stringify({ type: 'log', jobId, ...l }) + '\n');
      else {
        const r = logRow(l);
        ctx.stdout.write(`${r.createdAt}  ${r.severity.padEnd(7)}  ${r.taskId ? `${r.taskId}  ` : ''}${r.message}\n`);
      }
    }
    if (!global.json && logs.length === 0) ctx.stdout.write(`No${severity ? ` ${severity}` : ''} logs for job ${jobId}.\n`);
    return EXIT_OK;
  },
};
