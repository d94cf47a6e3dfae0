// `batch-desk resume`: continues every unfinished item of the data folder from its journals.

import type { ItemSummary } from '../../../shared/domain';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_REJECTIONS, parseCommandArgs, type Command } from '../command';
import { createCliEngine } from '../engine-factory';
import { restartForRetry } from '../../engine/jobs/job-control';
import { reportJobOutcome } from '../run-item';
import { attachDisplay, createProgressDisplay } from '../progress-display';

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'Continue every unfinished item from its journal',
  usage: `batch-desk resume [<item-id>...]

Continues every item that was running, queued or interrupted, from its journals: nothing already
sent is sent again; uploads that may have landed are checked with the service first.
Failed items are retried as well, except those whose Workflow job failed on the service: restarting
a job runs it (and uses compute) again, so that takes --restart-failed-jobs.
Paused items (paused in the app or the console) stay paused and are listed; name them
(\`batch-desk resume <item-id>\`, ids from \`batch-desk status\`) to resume them too.

Options:
  --restart-failed-jobs   restart the jobs that failed on the service too`,
  async run(ctx) {
    const { values, positionals, global } = parseCommandArgs(ctx, { 'restart-failed-jobs': { type: 'boolean', default: false } });
    const { engine, close } = createCliEngine(global, ctx.env);
    const display = createProgressDisplay(ctx.stdout, { json: global.json });
    const detach = attachDisplay(engine, display);
    const onAbort = () => void close();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      // Pausing is the operator's choice: a paused item goes on only when named.
      const named = new Set(positionals);
      for (const id of named) {
        if (!engine.get(id)) throw new CliError(`No item ${id} in ${global.dataDir}; \`batch-desk status\` lists them.`);
        if (engine.get(id)!.state === 'paused') engine.resume(id);
      }
      const leftPaused = engine.list().filter((s) => s.state === 'paused');
      for (const s of leftPaused) {
        display.note(`${s.name}: paused (item ${s.id}), left as it is; \`batch-desk resume ${s.id}\` resumes it.`, { id: s.id, state: s.state });
      }
      // Failed items get another go too: resume is what the operator runs after fixing the cause.
      // A job that failed on the service is only restarted when asked: it would run again, paid.
      const jobsLeftFailed: ItemSummary[] = [];
      for (const s of engine.list()) {
        if (s.state !== 'failed') continue;
        if (s.error?.failedJobId) {
          if (!values['restart-failed-jobs']) {
            jobsLeftFailed.push(s);
            continue;
          }
          await restartForRetry(engine.itemDir(s.id), await engine.clientForItem(s.id), ctx.signal);
        }
        engine.retry(s.id);
      }
      for (const s of jobsLeftFailed) {
        display.note(
          `${s.name}: ${s.error!.message} Not restarted: \`batch-desk resume --restart-failed-jobs\` runs the job again on the service (it uses compute again).`,
          { id: s.id, state: s.state, error: s.error },
        );
      }
      const resumed = engine.resumeAll();
      const ids = new Set([...resumed.map((s) => s.id), ...engine.list().filter((s) => s.state === 'queued' || s.state === 'running').map((s) => s.id)]);
      if (ids.size === 0) {
        if (jobsLeftFailed.length === 0) display.note(leftPaused.length ? `Nothing else to resume: ${leftPaused.length} item(s) paused.` : 'Nothing to resume.', { resumed: 0, paused: leftPaused.length });
        return jobsLeftFailed.length ? EXIT_FAILURE : EXIT_OK;
      }
      display.note(`Resuming ${ids.size} item(s).`, { resumed: ids.size });
      let code = jobsLeftFailed.length ? EXIT_FAILURE : EXIT_OK;
      const outcomes = await Promise.all([...ids].map((id) => engine.waitFor(id)));
      display.close();
      if (ctx.signal.aborted) {
        display.note('Interrupted; run `batch-desk resume` again to continue.', { state: 'interrupted' });
        return EXIT_FAILURE;
      }
      for (const summary of outcomes) {
        const c = await reportJobOutcome(summary, engine.itemDir(summary.id), display, ctx.stderr, global.json);
        if (c === EXIT_FAILURE) code = EXIT_FAILURE;
        else if (c === EXIT_REJECTIONS && code === EXIT_OK) code = EXIT_REJECTIONS;
      }
      return code;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      detach();
      display.close();
      await close();
    }
  },
};
