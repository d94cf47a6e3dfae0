// `batch-desk jobs`: the workspace's jobs, newest first, with state and last message.

import { EXIT_OK, intOption, parseCommandArgs, type Command } from '../command';
import { resolveCredentials } from '../engine-factory';
import { RoboflowClient } from '../../engine/roboflow/client';
import { notificationText, type JobMetadata } from '../../engine/roboflow/processing';

export function jobState(j: Pick<JobMetadata, 'isTerminal' | 'error'>): 'running' | 'succeeded' | 'failed' {
  return !j.isTerminal ? 'running' : j.error ? 'failed' : 'succeeded';
}

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'List the workspace’s jobs',
  interruptedHint: 'nothing was changed — run the same command again',
  usage: `batch-desk jobs [--pages <n>] [--page-size <n>]

Lists jobs (10 per page by default), with state, current stage and last message.`,
  async run(ctx) {
    const { values, global } = parseCommandArgs(ctx, { pages: { type: 'string' }, 'page-size': { type: 'string' } });
    const pages = intOption(values.pages, 'pages', 1, 1000) ?? 1;
    const pageSize = intOption(values['page-size'], 'page-size', 1, 1000) ?? 10;
    const creds = await resolveCredentials(global, ctx.env);
    const client = await RoboflowClient.connect({ apiUrl: creds.apiUrl, apiKey: creds.apiKey }, ctx.signal);
    let token: string | null = null;
    const rows: JobMetadata[] = [];
    for (let p = 0; p < pages; p++) {
      const page = await client.processing.listJobs({ pageSize, nextPageToken: token, signal: ctx.signal });
      rows.push(...page.items);
      token = page.nextPageToken;
      if (!token) break;
    }
    if (global.json) {
      for (const j of rows) {
        ctx.stdout.write(
          JSON.stringify({
            type: 'job',
            jobId: j.jobId,
            name: j.name,
            state: jobState(j),
            currentStage: j.currentStage,
            notification: notificationText(j.lastNotification),
            createdAt: j.createdAt,
            lastUpdate: j.lastUpdate,
          }) + '\n',
        );
      }
      return EXIT_OK;
    }
    if (rows.length === 0) {
      ctx.stdout.write('No jobs in this workspace.\n');
      return EXIT_OK;
    }
    const table = rows.map((j) => [j.jobId, j.name, jobState(j), j.currentStage ?? '-', notificationText(j.lastNotification)]);
    const head = ['JOB ID', 'NAME', 'STATE', 'STAGE', 'MESSAGE'];
    const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...table.map((r) => r[i]!.length))));
    const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.slice(0, widths[i]).padEnd(widths[i]!))).join('  ');
    ctx.stdout.write([line(head), ...table.map(line)].join('\n') + '\n');
    if (token) ctx.stdout.write(`(more: --pages ${pages + 1})\n`);
    return EXIT_OK;
  },
};

