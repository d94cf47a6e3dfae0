// `batch-desk resume`: continues every unfinished item of the data folder from its journals.

import { EXIT_FAILURE, EXIT_OK, EXIT_REJECTIONS, parseCommandArgs, type Command } from '../command';
import { createCliEngine } from '../engine-factory';
import { reportOutcome } from '../ingest-outcome';
import { attachDisplay, createProgressDisplay } from '../progress-display';

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'Continue every unfinished item from its journal',
  usage: `batch-desk resume

Continues every item that was running, queued or interrupted, from its journals: nothing already
sent is sent again; uploads that may have landed are checked with the service first.
Failed items are retried as well.`,
  async run(ctx) {
    const { global } = parseCommandArgs(ctx, {});
    const { engine, close } = createCliEngine(global, ctx.env);
    const display = createProgressDisplay(ctx.stdout, { json: global.json });
    const detach = attachDisplay(engine, display);
    const onAbort = () => void close();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      // Failed items get another go too: resume is what the operator runs after fixing the cause.
      for (const s of engine.list()) if (s.state === 'failed') engine.retry(s.id);
      const resumed = engine.resumeAll();
      const ids = new Set([...resumed.map((s) => s.id), ...engine.list().filter((s) => s.state === 'queued' || s.state === 'running').map((s) => s.id)]);
      if (ids.size === 0) {
        display.note('Nothing to resume.', { resumed: 0 });
        return EXIT_OK;
      }
      display.note(`Resuming ${ids.size} item(s).`, { resumed: ids.size });
      let code = EXIT_OK;
      const outcomes = await Promise.all([...ids].map((id) => engine.waitFor(id)));
      display.close();
      if (ctx.signal.aborted) {
        display.note('Interrupted; run `batch-desk resume` again to continue.', { state: 'interrupted' });
        return EXIT_FAILURE;
      }
      for (const summary of outcomes) {
        const c = await reportOutcome(summary, engine.itemDir(summary.id), display, global.json);
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
