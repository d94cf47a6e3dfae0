// The host: the one implementation of every contract channel, over the Engine, settings, profiles
// and watches. The Electron glue and the web server both wrap `invoke` (validate → handle → Result)
// and `subscribe` (event fan-out); neither adds behaviour of its own.

import fs from 'node:fs/promises';
import path from 'node:path';
import type { ChannelHandlers, EventChannel, EventChannels, InvokeChannel, ItemProgressEvent } from '../../shared/contract';
import { QUEUE_PAGE_DEFAULT } from '../../shared/contract';
import { type ItemSummary, type JobOptions, type WatchSummary } from '../../shared/domain';
import { ok, type Result } from '../../shared/result';
import { processBandwidth } from '../engine/ingest/bandwidth';
import { abortItemJobs, restartForRetry, restartItemJobs, unfinishedJobs } from '../engine/jobs/steps';
import { KeyedSerial } from '../engine/keyed-serial';
import { silentLogger, type Logger } from '../engine/log';
import type { Engine } from '../engine/pipeline/engine';
import { toSummary } from '../engine/pipeline/item-record';
import type { ProfileStore } from '../engine/profiles/profile-store';
import { redactValue } from '../engine/secrets';
import type { SettingsStore } from '../engine/settings';
import { DEFAULT_PREVIEW_LIMITS, previewDrop, type PreviewLimits } from './drop-preview';
import { HostError, toHostError } from './errors';
import { ProgressBatcher } from './progress-batcher';
import { defaultReaders, type ItemReaders } from './readers';
import { ThroughputHistory } from './throughput-history';
import { isInvokeChannel, validateArgs } from './validate';
import type { WatchService } from './watches';

/** What only the shell (Electron or the web server) can do. */
export interface HostPlatform {
  mode: 'desktop' | 'web';
  /** Native folder picker; absent in web mode. */
  pickFolder?(title?: string): Promise<string | null>;
  /** Shows a path in the file manager; absent in web mode. */
  showItemInFolder?(fullPath: string): void;
  setStartAtLogin?(enabled: boolean): void;
}

export interface HostDeps {
  dataDir: string;
  version: string;
  engine: Engine;
  settings: SettingsStore;
  profiles: ProfileStore;
  watches?: WatchService;
  readers?: ItemReaders;
  platform: HostPlatform;
  log?: Logger;
  previewLimits?: PreviewLimits;
}

export type HostEventListener = <E extends EventChannel>(event: E, payload: EventChannels[E]) => void;

export class Host {
  readonly handlers: ChannelHandlers;
  private readonly listeners = new Set<HostEventListener>();
  private readonly throughput = new ThroughputHistory();
  private readonly lastState = new Map<string, ItemSummary['state']>();
  private readonly jobOperations = new KeyedSerial();
  private readonly readers: ItemReaders;
  private readonly log: Logger;
  private readonly detach: (() => void)[] = [];
  private readonly progress = new ProgressBatcher((batch) => this.emit('item:progress', batch), {
    historyOf: (id) => this.throughput.get(id),
  });

  constructor(private readonly deps: HostDeps) {
    this.readers = deps.readers ?? defaultReaders();
    this.log = deps.log ?? silentLogger;
    this.handlers = this.buildHandlers();
    for (const s of deps.engine.list()) this.lastState.set(s.id, s.state);
    this.wireEvents();
  }

  /** Validates the raw arguments, runs the handler, and wraps whatever happens in a Result. */
  async invoke(channel: string, rawArgs: unknown): Promise<Result<unknown>> {
    try {
      if (!isInvokeChannel(channel)) throw new HostError('invalid-argument', `Unknown channel "${channel.slice(0, 60)}".`);
      const args = validateArgs(channel, rawArgs);
      const handler = this.handlers[channel] as (a: unknown) => Promise<unknown>;
      // Belt and braces: nothing that leaves the host carries a registered secret.
      return ok(redactValue(await handler(args)));
    } catch (err) {
      const error = toHostError(err);
      if (error.code === 'internal') this.log.error('handler failed', { channel, error: error.message });
      return { ok: false, error };
    }
  }

  /** Every event for the UI goes through here (already scrubbed of secrets). */
  subscribe(listener: HostEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const d of this.detach) d();
    this.progress.close();
    this.listeners.clear();
  }

  private emit<E extends EventChannel>(event: E, payload: EventChannels[E]): void {
    const clean = redactValue(payload);
    for (const l of this.listeners) {
      try {
        l(event, clean);
      } catch (err) {
        this.log.warn('event listener failed', { event, error: (err as Error).message });
      }
    }
  }

  private wireEvents(): void {
    const { engine, profiles, watches } = this.deps;
    const onItem = (s: ItemSummary) => {
      this.progress.forget(s.id); // older than the summary's own figures
      this.emit('queue:item', s);
      const before = this.lastState.get(s.id);
      this.lastState.set(s.id, s.state);
      if (before !== s.state) this.noticeFor(s);
    };
    const onProgress = (p: ItemProgressEvent) => {
      this.throughput.record(p.id, p.progress.throughput);
      this.progress.add(p);
    };
    const onRemoved = (e: { id: string }) => {
      this.throughput.forget(e.id);
      this.progress.forget(e.id);
      this.lastState.delete(e.id);
      this.emit('queue:removed', e);
    };
    const onProfiles = (list: EventChannels['profiles:changed']['profiles']) => this.emit('profiles:changed', { profiles: list });
    engine.on('item', onItem);
    engine.on('progress', onProgress);
    engine.on('removed', onRemoved);
    profiles.on('changed', onProfiles);
    this.detach.push(
      () => engine.off('item', onItem),
      () => engine.off('progress', onProgress),
      () => engine.off('removed', onRemoved),
      () => profiles.off('changed', onProfiles),
    );
    if (watches) {
      watches.on('changed', (w) => this.emit('watch:changed', w));
      watches.on('removed', (w) => this.emit('watch:removed', w));
    }
  }

  private noticeFor(s: ItemSummary): void {
    if (s.state === 'done') {
      const rejected = s.progress.rejected > 0 ? ` (${s.progress.rejected} file${s.progress.rejected === 1 ? '' : 's'} rejected)` : '';
      this.emit('notice', { level: s.progress.rejected > 0 ? 'warning' : 'info', message: `${s.name} is done${rejected}.`, itemId: s.id });
    } else if (s.state === 'failed') {
      this.emit('notice', { level: 'error', message: `${s.name} failed: ${s.error?.message ?? 'unknown error'}`, itemId: s.id });
    }
  }

  /** Live samples while the app runs; what the steps persisted after a restart. */
  private throughputOf(id: string, dir: string): number[] {
    const live = this.throughput.get(id);
    if (live.length > 0) return live;
    try {
      return this.readers.throughputHistory(dir);
    } catch {
      return [];
    }
  }

  private item(id: string) {
    const r = this.deps.engine.get(id);
    if (!r) throw new HostError('not-found', `No item with id ${id}. It may have been cleared from the history.`);
    return r;
  }

  private buildHandlers(): ChannelHandlers {
    const { engine, settings, profiles, platform } = this.deps;
    const itemDir = (id: string) => engine.itemDir(this.item(id).id);
    // An item's job operations (cancel's abort, retry's and restart's restart, abort) one at a time:
    // two at once (a double click, two browser tabs) would both read the journal before either
    // wrote to it, and a paid job would be restarted twice.
    const jobOperation = <T>(id: string, fn: () => Promise<T>): Promise<T> => this.jobOperations.run(id, fn);
    const watches = () => {
      if (!this.deps.watches) throw new HostError('unsupported', 'Watches are not available in this build.');
      return this.deps.watches;
    };
    const requireProfile = async () => {
      if (!(await profiles.activeCredentials())) throw new HostError('no-profile', 'No API key is set up yet. Add one in Settings › Profiles.');
    };
    const resolveJob = (job: JobOptions | undefined): JobOptions => {
      const fallback = settings.get().defaultJob;
      const chosen = job ?? (fallback.workflowId ? ({ ...fallback } as JobOptions) : undefined);
      if (!chosen) {
        throw new HostError('invalid-argument', 'Processing needs a Workflow. Set one in Settings › Default job, or add the folder for ingest only.');
      }
      return chosen;
    };

    return {
      'app:info': async () => ({
        version: this.deps.version,
        mode: platform.mode,
        platform: process.platform,
        dataDir: this.deps.dataDir,
        demoAvailable: profiles.demoAvailable,
      }),

      'profiles:list': () => profiles.list(),
      'profiles:add': (a) => profiles.add(a),
      'profiles:use-demo': () => profiles.useDemo(),
      'profiles:select': async ({ id }) => profiles.select(id),
      'profiles:remove': async ({ id }) => {
        await profiles.remove(id);
        return null;
      },

      'settings:get': async () => settings.get(),
      'settings:set': async (patch) => {
        if (patch.defaultOutDir) await checkOutDir(patch.defaultOutDir, 'defaultOutDir');
        // The OS entry first: if it cannot be written, the setting is not saved as if it were.
        if (patch.startAtLogin !== undefined && patch.startAtLogin !== settings.get().startAtLogin) platform.setStartAtLogin?.(patch.startAtLogin);
        const updated = settings.update(patch);
        // The cap is shared by the transfers under way: they follow a change at once, not at the next upload step.
        if (patch.transfer?.bandwidthLimit !== undefined) processBandwidth.setRate(updated.transfer.bandwidthLimit);
        return updated;
      },

      'queue:preview': ({ paths }) => previewDrop(paths, this.deps.previewLimits ?? DEFAULT_PREVIEW_LIMITS),
      'queue:add': async (spec) => {
        const roots = await Promise.all(spec.roots.map((r, i) => checkExisting(r, `roots[${i}]`)));
        const full = spec.pipeline === 'full';
        const job = full ? resolveJob(spec.job) : spec.job;
        const outDir = full ? spec.outDir || settings.get().defaultOutDir || undefined : spec.outDir;
        // Settings may have no default folder (''); refused now rather than after a paid job.
        if (full && !outDir) throw new HostError('invalid-argument', 'Processing needs an output folder. Set one in Settings › Default output folder, or add the folder for ingest only.');
        if (outDir) await checkOutDir(outDir, 'outDir');
        await requireProfile();
        return engine.add({ ...spec, roots, job, outDir });
      },
      'queue:list': async ({ after, limit }) => engine.activePage(after, limit ?? QUEUE_PAGE_DEFAULT),
      'history:list': async ({ limit }) => engine.finishedItems(limit),
      'progress:focus': async ({ viewer, ids }) => {
        this.progress.focus(viewer, ids);
        return null;
      },
      'history:clear': async () => {
        engine.clearFinished();
        return null;
      },

      'item:get': async ({ id }) => {
        const r = this.item(id);
        const dir = engine.itemDir(id);
        return {
          summary: toSummary(r),
          shards: await this.readers.shards(dir),
          stages: this.readers.stages(dir),
          logs: this.readers.logs(dir),
          throughputHistory: this.throughputOf(id, dir),
          job: r.spec.job,
        };
      },
      'item:files': async ({ id, offset, limit, state }) =>
        this.readers.files(itemDir(id), offset, limit, state === 'all' ? undefined : state),
      'item:rejections-csv': async ({ id }) => this.readers.rejectionsCsv(itemDir(id)),
      'item:pause': async ({ id }) => engine.pause(this.item(id).id),
      'item:resume': async ({ id }) => engine.resume(this.item(id).id),
      'item:cancel': ({ id }) => jobOperation(id, async () => {
        const dir = engine.itemDir(this.item(id).id);
        // Nobody would collect a cancelled item's results, and a job is paid for while it runs: every
        // job not known to have ended is aborted first, whatever the item's stage (processing may
        // have failed while the job ran on; a start's answer may have been lost). If that fails,
        // the item is not cancelled, so the job is not lost from view.
        await engine.cancelAfter(id, async () => {
          if (unfinishedJobs(dir).length > 0) await abortItemJobs(dir, await engine.clientForItem(id));
        });
        // A start under way meanwhile (its intent journaled, its POST in flight) reaches the service
        // after that abort: once the run has stopped and can start nothing more, it is aborted too.
        await engine.waitFor(id);
        if (unfinishedJobs(dir).length > 0) await abortItemJobs(dir, await engine.clientForItem(id));
        return toSummary(this.item(id));
      }),
      'item:retry': ({ id }) => jobOperation(id, async () => {
        const r = this.item(id);
        // The console asked first ("Restart job"): only here does a failed job run again.
        if (r.state === 'failed' && r.error?.failedJobId) await restartForRetry(engine.itemDir(id), await engine.clientForItem(id));
        return engine.retry(id);
      }),
      'item:start-job': async ({ id, job, outDir }) => {
        this.item(id);
        await checkOutDir(outDir, 'outDir');
        await requireProfile();
        return engine.startJob(id, job, outDir);
      },
      'item:abort-job': ({ id }) => jobOperation(id, async () => {
        const r = this.item(id);
        if (!r.jobId) throw new HostError('not-found', 'This item has no job yet, so there is nothing to abort.');
        const aborted = await abortItemJobs(engine.itemDir(id), await engine.clientForItem(id));
        if (aborted.length === 0) throw new HostError('conflict', 'The job has already finished; there is nothing to abort.');
        return toSummary(this.item(id));
      }),
      'item:restart-job': ({ id, overrides }) => jobOperation(id, async () => {
        const r = this.item(id);
        if (!r.jobId) throw new HostError('not-found', 'This item has no job yet; start one instead.');
        await restartItemJobs(engine.itemDir(id), await engine.clientForItem(id), overrides);
        // The processing step polls the restarted job again (its journal knows the job id).
        const now = this.item(id);
        return now.state === 'failed' || now.state === 'cancelled' ? engine.retry(id) : toSummary(now);
      }),
      'item:logs': async ({ id }) => this.readers.logs(itemDir(id)),
      'item:results-preview': async ({ id, rows }) => {
        const r = this.item(id);
        if (!r.outDir) throw new HostError('not-found', 'This item has no output folder yet (it was not processed).');
        return this.readers.resultsPreview(r.outDir, rows);
      },
      'item:open-output': async ({ id }) => {
        const r = this.item(id);
        if (!r.outDir) throw new HostError('not-found', 'This item has no output folder yet (it was not processed).');
        const exists = await fs.stat(r.outDir).then((s) => s.isDirectory(), () => false);
        if (!exists) throw new HostError('not-found', `The output folder ${r.outDir} does not exist yet; results appear there once the export starts.`);
        if (!platform.showItemInFolder) return { path: r.outDir, opened: false };
        platform.showItemInFolder(r.outDir);
        return { path: r.outDir, opened: true };
      },

      'watches:list': async () => (this.deps.watches ? await this.deps.watches.list() : []),
      'watches:add': async (spec) => {
        await checkExisting(spec.folder, 'folder', 'directory');
        await checkOutDir(spec.outDir, 'outDir');
        const svc = watches();
        // The manager answers before the folder watch has started ("paused, Stopped."); answer with
        // the started state instead, so the caller never holds a summary older than the events.
        const seen: WatchSummary[] = [];
        const onChanged = (w: WatchSummary) => void seen.push(w);
        svc.on('changed', onChanged);
        try {
          const first = await svc.add(spec);
          const startedOf = () => seen.filter((w) => w.id === first.id && w.state !== 'paused').at(-1);
          for (let waited = 0; !startedOf() && waited < 3_000; waited += 25) await new Promise((r) => setTimeout(r, 25));
          return startedOf() ?? first;
        } finally {
          svc.off?.('changed', onChanged);
        }
      },
      'watches:update': async ({ id, spec }) => {
        await checkExisting(spec.folder, 'folder', 'directory');
        await checkOutDir(spec.outDir, 'outDir');
        return watches().update(id, spec);
      },
      'watches:pause': async ({ id }) => watches().pause(id),
      'watches:resume': async ({ id }) => watches().resume(id),
      'watches:remove': async ({ id }) => {
        await watches().remove(id);
        return null;
      },

      'dialog:pick-folder': async ({ title }) => {
        if (!platform.pickFolder) {
          throw new HostError('unsupported', 'There is no folder picker in the browser. Type the folder path as the server sees it.');
        }
        return platform.pickFolder(title);
      },
    } satisfies ChannelHandlers;
  }
}

/** Re-checks on disk a path that came from the renderer; returns it resolved. */
export async function checkExisting(p: string, field: string, kind?: 'directory'): Promise<string> {
  const resolved = path.resolve(p);
  let st;
  try {
    st = await fs.stat(resolved);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new HostError('io', `Permission denied reading ${resolved}. Check the folder's permissions.`);
    throw new HostError('not-found', `${resolved} does not exist. Check the path and try again.`, `${field}: ${code ?? 'stat failed'}`);
  }
  if (kind === 'directory' && !st.isDirectory()) throw new HostError('invalid-argument', `${resolved} is not a folder.`);
  if (!st.isDirectory() && !st.isFile()) throw new HostError('invalid-argument', `${resolved} is neither a folder nor a file.`);
  return resolved;
}

/** An output folder may not exist yet, but if something is there it must be a folder. */
async function checkOutDir(p: string, field: string): Promise<void> {
  const st = await fs.stat(p).catch(() => undefined);
  if (st && !st.isDirectory()) throw new HostError('invalid-argument', `${p} exists and is not a folder; choose another output folder.`, field);
}


export type { InvokeChannel };
