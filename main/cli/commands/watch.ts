// `batch-desk watch <dir> --workflow-id <wf> --out <dir>`: watches a folder headless until stopped.
// Complete files are gathered into batches by the rule; each closed batch runs the whole pipeline as
// a normal item, with its results in <out>/<batch id>/. The watch is saved in the data folder, so
// running the same command again (after Ctrl-C, a reboot or a crash) continues where it was.

import fs from 'node:fs';
import path from 'node:path';
import type { ItemSummary, WatchSpec, WatchSummary } from '../../../shared/domain';
import { createLogger, fileSink } from '../../engine/log';
import { isFinished } from '../../engine/pipeline/item-record';
import { DEFAULT_RULE, describeRule } from '../../engine/watch/batching-rule';
import { WatchManager, validateSpec } from '../../engine/watch/manager';
import { ApiError } from '../../engine/roboflow/http';
import { CliError, EXIT_OK, intOption, parseCommandArgs, type Command } from '../command';
import { createCliEngine, resolveCredentials } from '../engine-factory';
import { JOB_OPTIONS_USAGE, JOB_OPTION_FLAGS, parseJobOptions } from '../job-options';
import { itemRecord } from '../progress-display';
import { UPLOAD_FLAGS, UPLOAD_USAGE, parseTransferOptions } from '../transfer-options';

export const watchCommand: Command = {
  name: 'watch',
  summary: 'Watch a folder and process files as they arrive',
  interruptedHint: 'the watch and its batches are journaled — run the same command again to go on',
  usage: `batch-desk watch <dir> --workflow-id <wf> --out <dir> [options]

Watches <dir> (and its sub-folders) until stopped with Ctrl-C or SIGTERM. A file is taken once it is
complete (its size and modification time hold still); temporary names (.tmp, .part, .crdownload,
~$…) and hidden files are ignored. Complete files gather into a batch that closes after
--quiet-seconds without a new file, at --max-files files, or --max-minutes after its first file,
whichever comes first. Each batch runs the whole pipeline; its results go to <out>/<batch id>/.
Files that arrived while the command was not running are picked up when it starts again. Symbolic
links are never taken. The upload flags apply to every batch sent while this command runs.

Options:
  --out <dir>              output folder (required; not inside <dir>)
  --quiet-seconds <Q>      close a batch after Q seconds without a new file (default ${DEFAULT_RULE.quietSeconds})
  --max-files <N>          …or when it holds N files (default ${DEFAULT_RULE.maxFiles})
  --max-minutes <T>        …or T minutes after its first file (default ${DEFAULT_RULE.maxMinutes})
  --filter images|videos|all   which files to take (default images)
  --resend-changed         send a file again when it changes after it was sent (default: report it)
  --batch-prefix <p>       prefix of the generated batch ids (default: the folder name)
  --stable-seconds <S>     how long size and mtime must hold still (default 2)
  --poll                   poll the folder instead of using change notifications
${UPLOAD_USAGE}

${JOB_OPTIONS_USAGE.replace(/^ *--job-id .*\n?/m, '')}`,
  async run(ctx) {
    const { values, positionals, global } = parseCommandArgs(ctx, {
      ...JOB_OPTION_FLAGS,
      ...UPLOAD_FLAGS,
      out: { type: 'string' },
      'quiet-seconds': { type: 'string' },
      'max-files': { type: 'string' },
      'max-minutes': { type: 'string' },
      filter: { type: 'string' },
      'resend-changed': { type: 'boolean', default: false },
      'batch-prefix': { type: 'string' },
      'stable-seconds': { type: 'string' },
      poll: { type: 'boolean', default: false },
    });
    if (positionals.length !== 1) throw new CliError('Name exactly one folder to watch.');
    const folder = path.resolve(positionals[0]!);
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new CliError(`${folder} is not a folder.`);
    const out = values.out as string | undefined;
    if (!out) throw new CliError('--out is required: the folder the results go to.');
    const filter = (values.filter as string | undefined) ?? 'images';
    if (filter !== 'images' && filter !== 'videos' && filter !== 'all') throw new CliError('--filter must be images, videos or all.');
    const prefix = values['batch-prefix'] as string | undefined;
    if (prefix !== undefined && !/^[a-z0-9_-]{1,32}$/.test(prefix)) {
      throw new CliError('--batch-prefix may contain only lower-case letters, digits, "-" and "_" (at most 32).');
    }
    if (values['job-id'] !== undefined) {
      throw new CliError('--job-id does not apply to a watch: each batch it closes gets a job, and a job id, of its own.');
    }
    const stableSeconds = seconds(values['stable-seconds'], 'stable-seconds') ?? 2;
    const transfer = parseTransferOptions(values);
    let spec: WatchSpec;
    try {
      spec = validateSpec({
        folder,
        filter,
        job: parseJobOptions(values),
        outDir: path.resolve(out),
        rule: {
          quietSeconds: seconds(values['quiet-seconds'], 'quiet-seconds') ?? DEFAULT_RULE.quietSeconds,
          maxFiles: intOption(values['max-files'], 'max-files', 1, 100_000) ?? DEFAULT_RULE.maxFiles,
          maxMinutes: seconds(values['max-minutes'], 'max-minutes') ?? DEFAULT_RULE.maxMinutes,
        },
        reingestChanged: Boolean(values['resend-changed']),
        batchPrefix: prefix,
      });
    } catch (err) {
      if (err instanceof ApiError) throw new CliError(err.message);
      throw err;
    }

    await resolveCredentials(global, ctx.env); // no key: say so now, not at the first batch
    // A watch's items are created by the watch, so the flags reach them through the engine's settings.
    const { engine, close: closeEngine } = createCliEngine(global, ctx.env, { transfer });
    const log = createLogger([fileSink(path.join(global.dataDir, 'logs', 'cli.log'))], ctx.env.BATCH_DESK_DEBUG ? 'debug' : 'info', 'cli');
    const manager = new WatchManager({ dataDir: global.dataDir, engine, log, forcePolling: Boolean(values.poll), timing: { stableMs: stableSeconds * 1000 } });
    const say = (text: string, record: Record<string, unknown>) => {
      ctx.stdout.write(global.json ? JSON.stringify(record) + '\n' : text + '\n');
    };

    // Items of this watch that finish are reported once each.
    const reported = new Set<string>();
    let watchId = '';
    const onItem = (s: ItemSummary) => {
      if (s.watchId !== watchId || !isFinished(s.state) || reported.has(s.id)) return;
      reported.add(s.id);
      if (s.state === 'done') say(`Batch ${s.batchId} done${s.jobId ? ` (job ${s.jobId})` : ''}: results in ${s.outDir}`, itemRecord(s));
      else say(`Batch ${s.batchId} ${s.state}${s.error ? `: ${s.error.message}` : ''} (item ${s.id}; \`batch-desk resume\` retries it)`, itemRecord(s));
    };
    let lastState = '';
    const onChanged = (w: WatchSummary) => {
      if (w.id !== watchId) return;
      const key = `${w.state}|${w.status}`;
      if (key === lastState) return;
      lastState = key;
      say(`[${w.state}] ${w.status}`, { type: 'watch', watchId: w.id, watch: w });
    };
    engine.on('item', onItem);
    manager.on('changed', onChanged);
    manager.on('batch', (b) => {
      if (b.watchId === watchId) say(`Batch ${b.batchId}: ${b.files} file(s) queued as item ${b.itemId}.`, { type: 'batch', id: b.itemId, ...b });
    });

    try {
      // The same folder again: continue its saved watch (its journal knows what was already sent).
      const saved = manager.saved().find((w) => w.spec.folder === folder);
      if (saved) {
        watchId = saved.id;
        await manager.start({ only: [saved.id] });
        if (JSON.stringify(saved.spec) !== JSON.stringify(spec)) await manager.update(saved.id, spec);
        if (saved.paused) await manager.resume(saved.id);
      } else {
        await manager.start({ only: [] });
        watchId = manager.add(spec).id;
      }
      for (const s of engine.list()) if (isFinished(s.state)) reported.add(s.id); // announced last time
      engine.resumeAll(); // batches interrupted last time continue
      const w = manager.get(watchId);
      lastState = `${w.state}|${w.status}`;
      say(`Watching ${folder} (watch ${watchId}): ${describeRule(spec.rule)}. Ctrl-C to stop.`, { type: 'watch', watchId: w.id, watch: w });
      if (ctx.signal.aborted) return EXIT_OK;
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      return EXIT_OK;
    } finally {
      // Stopped by the operator: saved as paused, so the app or `serve` on this data folder does not
      // take it up again on its own (the same command resumes it). A crash leaves it as it was.
      if (watchId && ctx.signal.aborted) await manager.pause(watchId).catch(() => undefined);
      await manager.close();
      engine.off('item', onItem);
      await closeEngine();
      say('Stopped; the watch is paused until the same command runs again.', { type: 'stopped', watchId });
    }
  },
};

function seconds(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`--${name} must be a number greater than 0.`);
  return n;
}
