// An in-memory BatchDeskApi for the renderer's jsdom tests, the dev preview and the long-task benchmark.
// It keeps items, watches, profiles and settings, can fail any channel on demand, emits events like
// main does, and can move running items through the pipeline (`advance`). No Node or DOM APIs: it runs
// in jsdom, in Chromium and in Node alike.

import type { BatchDeskApi, EventChannel, EventChannels, InvokeArgs, InvokeChannel, InvokeResult } from '../../shared/contract';
import { INVOKE_CHANNELS, QUEUE_PAGE_DEFAULT } from '../../shared/contract';
import { packProgress } from '../../shared/progress-batch';
import {
  DEFAULT_TRANSFER,
  STAGES,
  compareNewestFirst,
  emptyProgress,
  queuePage,
  type AppInfo,
  type FileRow,
  type ItemDetail,
  type ItemSummary,
  type JobLogRow,
  type KeychainStatus,
  type ProfileSummary,
  type Settings,
  type ShardRow,
  type StageName,
  type StageState,
  type WatchSummary,
} from '../../shared/domain';
import type { AppError, Result } from '../../shared/result';

export interface FakeOptions {
  mode?: AppInfo['mode'];
  demoAvailable?: boolean;
  keychain?: KeychainStatus;
  /** Start with an active profile (skips first run). */
  signedIn?: boolean;
  /** Keys the fake "service" accepts, with the workspace each resolves to. */
  keys?: Record<string, string>;
  /** A clock for createdAt/updatedAt (ms); defaults to Date.now. */
  now?: () => number;
  /**
   * Answer in a task of its own, as IPC and HTTP answers arrive (the preview and the benchmark);
   * by default answers come a microtask later, which keeps jsdom tests simple.
   */
  answerInTask?: boolean;
}

export interface FakeControls {
  items: Map<string, ItemSummary>;
  watches: Map<string, WatchSummary>;
  profiles: ProfileSummary[];
  settings: Settings;
  calls: { channel: InvokeChannel; args: unknown }[];
  logs: Map<string, JobLogRow[]>;
  emit<E extends EventChannel>(event: E, payload: EventChannels[E]): void;
  /** Makes `channel` answer this error (once, or until cleared with null). */
  fail(channel: InvokeChannel, error: AppError | null, times?: number): void;
  /** Adds an item directly (as main would have), without emitting. */
  seedItem(partial: Partial<ItemSummary> & { name: string }): ItemSummary;
  /** The active items, newest first, as `queue:list` pages them (sorted once, kept while nothing changes). */
  activeItems(): ItemSummary[];
  /** Moves every running item forward by `seconds` of simulated transfer and emits like main. */
  advance(seconds: number): void;
  listenerCount(event: EventChannel): number;
}

export type FakeApi = BatchDeskApi & { fake: FakeControls };

const MB = 1_000_000;

export function stagesFor(stage: StageName, pipeline: 'ingest' | 'full', failed = false): Record<StageName, StageState> {
  const at = STAGES.indexOf(stage);
  const out = {} as Record<StageName, StageState>;
  STAGES.forEach((s, i) => {
    if (pipeline === 'ingest' && (s === 'processing' || s === 'export')) out[s] = 'skipped';
    else out[s] = i < at ? 'done' : i === at ? (s === 'done' ? 'done' : failed ? 'failed' : 'active') : 'pending';
  });
  return out;
}

function newestFirstByCreation(a: ItemSummary, b: ItemSummary): number {
  return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0;
}

export function createFakeApi(options: FakeOptions = {}): FakeApi {
  const now = options.now ?? (() => Date.now());
  const iso = (t = now()) => new Date(t).toISOString();
  const keys = options.keys ?? { 'rf_test_key_1234': 'acme-vision' };
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const failures = new Map<InvokeChannel, { error: AppError; times: number }>();
  let seq = 0;
  let createdTick = 0;

  const settings: Settings = {
    apiUrl: 'https://api.roboflow.com',
    transfer: { ...DEFAULT_TRANSFER },
    defaultOutDir: '/data/results',
    defaultJob: { workflowId: 'detect-and-count' },
    pipelineOnDrop: 'full',
    startAtLogin: false,
    notifications: true,
  };
  const profiles: ProfileSummary[] = options.signedIn
    ? [{ id: 'p1', name: 'Default', workspace: 'acme-vision', apiUrl: settings.apiUrl, maskedKey: '••••••••1234', storage: 'keychain', active: true }]
    : [];
  let itemsChanged = 0;
  // Every change to the items (the fake's own, or a test's through `fake.items`) is counted, so the
  // sorted listing below is never stale.
  const items = new (class extends Map<string, ItemSummary> {
    override set(id: string, item: ItemSummary) {
      itemsChanged++;
      return super.set(id, item);
    }
    override delete(id: string) {
      itemsChanged++;
      return super.delete(id);
    }
    override clear() {
      itemsChanged++;
      super.clear();
    }
  })();
  const watches = new Map<string, WatchSummary>();
  const logs = new Map<string, JobLogRow[]>();
  const calls: FakeControls['calls'] = [];
  const keychain = options.keychain ?? { available: true };

  function emit<E extends EventChannel>(event: E, payload: EventChannels[E]): void {
    for (const l of [...(listeners.get(event) ?? [])]) l(payload);
  }
  const ok = <T,>(value: T): Result<T> => ({ ok: true, value });
  const err = (code: AppError['code'], message: string): Result<never> => ({ ok: false, error: { code, message } });
  const touch = (item: ItemSummary, patch: Partial<ItemSummary>): ItemSummary => {
    const next = { ...item, ...patch, updatedAt: iso(Math.max(now(), Date.parse(item.updatedAt) + 1)) };
    items.set(next.id, next);
    return next;
  };
  // The active items, newest first, kept between `queue:list` pages while nothing changed (the
  // fake's work happens in the page under test, where main's would not; see the benchmark).
  let activeSorted: { at: number; list: ItemSummary[] } | null = null;
  const activeNewestFirst = (): ItemSummary[] => {
    if (activeSorted?.at !== itemsChanged) {
      const list = [...items.values()].filter((i) => !['done', 'failed', 'cancelled'].includes(i.state)).sort(compareNewestFirst);
      activeSorted = { at: itemsChanged, list };
    }
    return activeSorted.list;
  };

  function seedItem(partial: Partial<ItemSummary> & { name: string }): ItemSummary {
    const id = partial.id ?? `item-${String(++seq).padStart(6, '0')}`;
    // Strictly increasing creation times, so "newest first" is well defined even within one millisecond.
    const created = partial.createdAt ?? iso(now() + createdTick++);
    const pipeline = partial.pipeline ?? 'full';
    const stage = partial.stage ?? 'upload';
    const item: ItemSummary = {
      id,
      name: partial.name,
      createdAt: created,
      updatedAt: partial.updatedAt ?? created,
      state: partial.state ?? 'running',
      stage,
      stages: partial.stages ?? stagesFor(stage, pipeline, partial.state === 'failed'),
      pipeline,
      roots: partial.roots ?? [`/data/${partial.name}`],
      batchId: partial.batchId ?? `${partial.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${id.slice(-4)}`,
      jobId: partial.jobId,
      outDir: partial.outDir ?? (pipeline === 'full' ? `${settings.defaultOutDir}/${partial.name}` : undefined),
      progress: partial.progress ?? emptyProgress(),
      warnings: partial.warnings ?? [],
      error: partial.error,
      expiresAt: partial.expiresAt,
      watchId: partial.watchId,
      workspace: partial.workspace,
      videoBatchId: partial.videoBatchId,
    };
    items.set(id, item);
    return item;
  }

  function nextStage(item: ItemSummary): ItemSummary {
    const order = STAGES.filter((s) => item.stages[s] !== 'skipped');
    const next = order[order.indexOf(item.stage) + 1] ?? 'done';
    const finished = next === 'done';
    const patch: Partial<ItemSummary> = {
      stage: next,
      stages: stagesFor(next, item.pipeline),
      state: finished ? 'done' : next === 'indexing' || next === 'processing' ? 'waiting' : 'running',
    };
    if (next === 'processing' && !item.jobId) patch.jobId = `job-${item.id.slice(-6)}`;
    if (next === 'indexing') patch.expiresAt = iso(now() + 7 * 24 * 3600 * 1000);
    const updated = touch(item, patch);
    emit('queue:item', updated);
    if (finished) emit('notice', { level: 'info', message: `“${item.name}” is done.`, itemId: item.id });
    return updated;
  }

  function advance(seconds: number): void {
    for (const item of [...items.values()]) {
      if (item.state !== 'running' && item.state !== 'waiting') continue;
      const p = structuredClone(item.progress);
      let moveOn = false;
      switch (item.stage) {
        case 'scan':
          moveOn = true;
          break;
        case 'upload': {
          const rate = 40 * MB;
          p.bytes.done = Math.min(p.bytes.total, p.bytes.done + rate * seconds);
          p.files.done = p.bytes.total > 0 ? Math.round((p.bytes.done / p.bytes.total) * p.files.total) : p.files.total;
          p.throughput = rate;
          p.etaSeconds = (p.bytes.total - p.bytes.done) / rate;
          moveOn = p.bytes.done >= p.bytes.total;
          break;
        }
        case 'indexing':
          p.indexed.total = p.files.total - p.rejected;
          p.indexed.done = Math.min(p.indexed.total, p.indexed.done + 2000 * seconds);
          p.throughput = 0;
          p.etaSeconds = null;
          moveOn = p.indexed.done >= p.indexed.total;
          break;
        case 'processing': {
          const t = p.tasks ?? { total: 8, waiting: 8, running: 0, succeeded: 0, failed: 0, fraction: 0 };
          const done = Math.min(t.total, t.succeeded + Math.max(1, Math.round(seconds)));
          p.tasks = { ...t, succeeded: done, waiting: Math.max(0, t.total - done - 1), running: done < t.total ? 1 : 0, fraction: done / t.total };
          moveOn = done >= t.total;
          break;
        }
        case 'export': {
          const total = p.exportFiles?.total ?? 3;
          const done = Math.min(total, (p.exportFiles?.done ?? 0) + 1);
          p.exportFiles = { done, total };
          p.exportBytes = { done: done * 2 * MB, total: total * 2 * MB };
          moveOn = done >= total;
          break;
        }
        default:
          break;
      }
      const updated = touch(item, { progress: p });
      emit('item:progress', packProgress([{ id: item.id, stage: item.stage, progress: p }]));
      if (moveOn) nextStage(updated);
    }
  }

  function fileRow(item: ItemSummary, index: number, filter: string): FileRow {
    const p = item.progress;
    const rejected = filter === 'rejected' || (filter === 'all' && index < p.rejected);
    const sent = index - p.rejected < p.files.done;
    const state: FileRow['state'] = rejected
      ? 'rejected'
      : filter !== 'all'
        ? (filter as FileRow['state'])
        : item.stages.indexing === 'done' || item.stage === 'done'
          ? 'indexed'
          : sent
            ? 'uploaded'
            : 'planned';
    const root = item.roots[0] ?? '/data';
    return {
      sourcePath: `${root}/cam-${String(index % 12).padStart(2, '0')}/frame-${String(index).padStart(7, '0')}.${rejected ? 'tif' : 'jpg'}`,
      batchName: rejected ? null : `frame-${String(index).padStart(7, '0')}.jpg`,
      size: 180_000 + ((index * 7919) % 90_000),
      kind: rejected ? 'other' : 'image',
      state,
      shard: rejected ? null : Math.floor(index / settings.transfer.shardFiles),
      reason: rejected ? 'Not an image or video the service accepts (.tif).' : undefined,
    };
  }

  const handlers: { [C in InvokeChannel]: (args: InvokeArgs<C>) => Result<InvokeResult<C>> } = {
    'app:info': () => ok({ version: '0.1.0', mode: options.mode ?? 'web', platform: 'linux', dataDir: '/home/op/.batch-desk', demoAvailable: options.demoAvailable ?? true }),
    'profiles:list': () => ok({ profiles: profiles.map((p) => ({ ...p })), keychain }),
    'profiles:add': ({ apiKey, name, storage, apiUrl }) => {
      const workspace = keys[apiKey];
      if (!workspace) return err('unauthorized', 'The service refused the key (401). Check that you pasted the whole private key.');
      if (storage === 'keychain' && !keychain.available) return err('keychain-unavailable', keychain.message ?? 'No keychain.');
      for (const p of profiles) p.active = false;
      const profile: ProfileSummary = { id: `p${profiles.length + 1}`, name: name ?? workspace, workspace, apiUrl: apiUrl ?? settings.apiUrl, maskedKey: `••••••••${apiKey.slice(-4)}`, storage, active: true };
      profiles.push(profile);
      emit('profiles:changed', { profiles: profiles.map((p) => ({ ...p })) });
      return ok({ ...profile });
    },
    'profiles:use-demo': () => {
      for (const p of profiles) p.active = false;
      const profile: ProfileSummary = { id: 'demo', name: 'Offline demo', workspace: 'demo-workspace', apiUrl: 'http://127.0.0.1:0', maskedKey: '••••demo', storage: 'memory', active: true };
      profiles.push(profile);
      return ok({ ...profile });
    },
    'profiles:select': ({ id }) => {
      const found = profiles.find((p) => p.id === id);
      if (!found) return err('not-found', 'That profile no longer exists.');
      for (const p of profiles) p.active = p.id === id;
      return ok({ ...found });
    },
    'profiles:remove': ({ id }) => {
      const at = profiles.findIndex((p) => p.id === id);
      if (at < 0) return err('not-found', 'That profile no longer exists.');
      profiles.splice(at, 1);
      return ok(null);
    },
    'settings:get': () => ok(structuredClone(settings)),
    'settings:set': (patch) => {
      Object.assign(settings, structuredClone(patch));
      return ok(structuredClone(settings));
    },
    'queue:preview': ({ paths }) => {
      if (paths.some((p) => !p.startsWith('/'))) return err('invalid-argument', 'Give an absolute path, like /data/site-a.');
      if (paths.some((p) => p.includes('missing'))) return err('not-found', `There is no folder at ${paths[0]}. Check the path and try again.`);
      return ok({ folders: paths.length, files: 12_408 * paths.length, images: 12_408 * paths.length, videos: 0, bytes: 1.9e9 * paths.length, partial: false });
    },
    'queue:add': (spec) => {
      const name = spec.name ?? spec.roots[0]!.split('/').filter(Boolean).pop() ?? 'item';
      const item = seedItem({
        name,
        roots: spec.roots,
        pipeline: spec.pipeline,
        stage: 'scan',
        state: 'running',
        outDir: spec.outDir,
        progress: { ...emptyProgress(), files: { done: 0, total: 12_408 }, bytes: { done: 0, total: 1.9e9 } },
      });
      emit('queue:item', item);
      return ok(item);
    },
    // (ISO timestamps order as plain strings; `localeCompare` made the fake "service" cost the
    // renderer benchmark most of a second at 10,000 items, work that really happens in main.)
    'queue:list': ({ after, limit }) => ok(queuePage(activeNewestFirst(), after, limit ?? QUEUE_PAGE_DEFAULT)),
    'history:list': ({ limit }) =>
      ok(
        [...items.values()]
          .filter((i) => ['done', 'failed', 'cancelled'].includes(i.state))
          .sort(newestFirstByCreation)
          .slice(0, limit ?? 500),
      ),
    // The fake sends no progress of its own pace; what the console asked for is in `calls`.
    'progress:focus': () => ok(null),
    'history:clear': () => {
      for (const [id, i] of items) if (['done', 'failed', 'cancelled'].includes(i.state)) items.delete(id);
      return ok(null);
    },
    'item:get': ({ id }) => {
      const item = items.get(id);
      if (!item) return err('not-found', 'This item no longer exists.');
      const detail: ItemDetail = {
        summary: item,
        shards: fakeShards(item),
        stages: item.jobId
          ? [
              { id: 's1', name: 'processing', statusType: item.stage === 'processing' ? 'running' : 'completed', notification: '', tasks: item.progress.tasks ?? { total: 8, waiting: 0, running: 0, succeeded: 8, failed: 0, fraction: 1 }, outputBatches: [], startedAt: item.createdAt },
              ...(item.stage === 'export' || item.stage === 'done' ? [{ id: 's2', name: 'export', statusType: 'completed', notification: '', tasks: { total: 1, waiting: 0, running: 0, succeeded: 1, failed: 0, fraction: 1 }, outputBatches: ['out-1'], startedAt: item.updatedAt }] : []),
            ]
          : [],
        logs: logs.get(id) ?? [],
        throughputHistory: [12, 18, 22, 31, 38, 40, 39, 41, 40, 42].map((v) => v * MB),
      };
      return ok(detail);
    },
    'item:files': ({ id, offset, limit, state }) => {
      const item = items.get(id);
      if (!item) return err('not-found', 'This item no longer exists.');
      const filter = state ?? 'all';
      const total = filter === 'all' ? item.progress.files.total : filter === 'rejected' ? item.progress.rejected : Math.max(0, item.progress.files.total - item.progress.rejected);
      const rows: FileRow[] = [];
      for (let i = offset; i < Math.min(total, offset + limit); i++) rows.push(fileRow(item, i, filter));
      return ok({ rows, total });
    },
    'item:rejections-csv': ({ id }) => {
      const item = items.get(id);
      if (!item) return err('not-found', 'This item no longer exists.');
      const lines = ['source_path,reason'];
      for (let i = 0; i < item.progress.rejected; i++) {
        const r = fileRow(item, i, 'rejected');
        lines.push(`${r.sourcePath},${r.reason}`);
      }
      return ok(lines.join('\n') + '\n');
    },
    'item:pause': ({ id }) => change(id, { state: 'paused' }),
    'item:resume': ({ id }) => change(id, { state: 'running' }),
    'item:cancel': ({ id }) => change(id, { state: 'cancelled' }),
    'item:retry': ({ id }) => {
      const item = items.get(id);
      if (!item) return err('not-found', 'This item no longer exists.');
      return change(id, { state: 'running', error: undefined, stages: stagesFor(item.stage, item.pipeline) });
    },
    'item:start-job': ({ id, job, outDir }) => {
      const item = items.get(id);
      if (!item) return err('not-found', 'This item no longer exists.');
      const stage: StageName = item.stages.indexing === 'done' ? 'processing' : item.stage;
      return change(id, { pipeline: 'full', jobId: job.jobId ?? `job-${id.slice(-6)}`, outDir, stage, stages: stagesFor(stage, 'full'), state: stage === 'processing' ? 'waiting' : item.state });
    },
    'item:abort-job': ({ id }) => change(id, { state: 'failed', error: { code: 'cancelled', message: 'The job was aborted.', failedJobId: items.get(id)?.jobId } }),
    'item:restart-job': ({ id }) => {
      // As main: only a job that failed or was aborted on the service can be restarted.
      const item = items.get(id);
      if (!item) return err('not-found', 'This item no longer exists.');
      if (item.state !== 'failed' || !item.error?.failedJobId) return err('conflict', 'No job of this item has failed or been aborted; nothing to restart.');
      return change(id, { state: 'waiting', error: undefined });
    },
    'item:logs': ({ id }) => ok(logs.get(id) ?? []),
    'item:results-preview': ({ id, rows }) => {
      const item = items.get(id);
      if (!item) return err('not-found', 'This item no longer exists.');
      if (item.stage !== 'done') return err('not-found', 'The results are not downloaded yet.');
      const columns = ['source_path', 'batch_name', 'predictions_count', 'top_class', 'confidence'];
      const total = item.progress.files.total - item.progress.rejected;
      const out: string[][] = [];
      for (let i = 0; i < Math.min(rows, total); i++) out.push([`${item.roots[0]}/frame-${String(i).padStart(7, '0')}.jpg`, `frame-${String(i).padStart(7, '0')}.jpg`, String((i * 3) % 7), ['forklift', 'person', 'pallet'][i % 3]!, (0.6 + ((i * 37) % 40) / 100).toFixed(2)]);
      return ok({ columns, rows: out, totalRows: total, path: `${item.outDir}/results.csv` });
    },
    'item:open-output': ({ id }) => {
      const item = items.get(id);
      if (!item?.outDir) return err('not-found', 'This item has no output folder.');
      return ok({ path: item.outDir, opened: (options.mode ?? 'web') === 'desktop' });
    },
    'watches:list': () => ok([...watches.values()]),
    'watches:add': (spec) => {
      const w: WatchSummary = { id: `w${watches.size + 1}`, spec, state: 'watching', status: 'Watching for new files.', pendingFiles: 0, waitingForWrite: 0, batchesCreated: 0 };
      watches.set(w.id, w);
      return ok(w);
    },
    'watches:update': ({ id, spec }) => watchChange(id, { spec }),
    'watches:pause': ({ id }) => watchChange(id, { state: 'paused', status: 'Paused by you.' }),
    'watches:resume': ({ id }) => watchChange(id, { state: 'watching', status: 'Watching for new files.' }),
    'watches:remove': ({ id }) => {
      if (!watches.delete(id)) return err('not-found', 'That watch no longer exists.');
      return ok(null);
    },
    'dialog:pick-folder': () => ((options.mode ?? 'web') === 'web' ? err('unsupported', 'There is no folder picker in a browser; type the path instead.') : ok('/data/picked-folder')),
  };

  function change(id: string, patch: Partial<ItemSummary>): Result<ItemSummary> {
    const item = items.get(id);
    if (!item) return err('not-found', 'This item no longer exists.');
    const updated = touch(item, patch);
    emit('queue:item', updated);
    return ok(updated);
  }
  function watchChange(id: string, patch: Partial<WatchSummary>): Result<WatchSummary> {
    const w = watches.get(id);
    if (!w) return err('not-found', 'That watch no longer exists.');
    const next = { ...w, ...patch };
    watches.set(id, next);
    emit('watch:changed', next);
    return ok(next);
  }

  const api: Record<string, unknown> = {};
  for (const channel of INVOKE_CHANNELS) {
    api[channel] = async (args: unknown) => {
      calls.push({ channel, args });
      if (options.answerInTask) await new Promise((resolve) => setTimeout(resolve, 0));
      else await Promise.resolve();
      const failure = failures.get(channel);
      if (failure) {
        if (--failure.times <= 0) failures.delete(channel);
        return { ok: false, error: failure.error };
      }
      // Answers are copies, as they would be after crossing IPC or HTTP.
      return structuredClone((handlers[channel] as (a: unknown) => Result<unknown>)(args));
    };
  }
  api.subscribe = (event: string, listener: (payload: unknown) => void) => {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set!.delete(listener);
  };
  if ((options.mode ?? 'web') === 'desktop') api.pathsForDroppedFiles = (files: readonly unknown[]) => files.map((f) => `/dropped/${(f as { name: string }).name}`);

  const fake: FakeControls = {
    items,
    watches,
    profiles,
    settings,
    calls,
    logs,
    emit,
    fail(channel, error, times = 1) {
      if (error) failures.set(channel, { error, times });
      else failures.delete(channel);
    },
    seedItem,
    advance,
    activeItems: activeNewestFirst,
    listenerCount: (event) => listeners.get(event)?.size ?? 0,
  };
  return Object.assign(api as unknown as BatchDeskApi, { fake });
}

/** A realistic queue for previews and screenshots: items in every state. */
export function seedShowcase(api: FakeApi, now = Date.now()): void {
  const f = api.fake;
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
  const p = (files: number, bytes: number, doneFraction: number, extra: Partial<ItemSummary['progress']> = {}) => ({
    ...emptyProgress(),
    files: { done: Math.round(files * doneFraction), total: files },
    bytes: { done: Math.round(bytes * doneFraction), total: bytes },
    ...extra,
  });
  f.seedItem({ name: 'site-a-2026-11-28', createdAt: at(2), stage: 'upload', state: 'running', progress: p(12_408, 1.9e9, 0.42, { throughput: 38.2 * MB, etaSeconds: 29, rejected: 3 }) });
  f.seedItem({ name: 'dock-cams-night', createdAt: at(9), stage: 'indexing', state: 'waiting', progress: p(4_200, 6.1e8, 1, { indexed: { done: 2_950, total: 4_200 } }), expiresAt: new Date(now + 7 * 86_400_000).toISOString() });
  f.seedItem({ name: 'line-3-inspection', createdAt: at(25), stage: 'processing', state: 'waiting', jobId: 'job-k2m9x0a1b2c3', progress: p(38_112, 5.2e9, 1, { indexed: { done: 38_112, total: 38_112 }, tasks: { total: 24, waiting: 9, running: 4, succeeded: 11, failed: 0, fraction: 0.52 } }) });
  f.seedItem({ name: 'yard-drone-oct', createdAt: at(41), stage: 'upload', state: 'paused', progress: p(2_031, 8.8e9, 0.18, { etaSeconds: null }) });
  f.seedItem({ name: 'warehouse-b-archive', createdAt: at(63), stage: 'upload', state: 'failed', progress: p(1_000_000, 1.6e11, 0.63, { rejected: 1_204 }), error: { code: 'network', message: 'The upload stopped: the service could not be reached after 5 tries. Check the connection, then retry.', detail: 'ECONNRESET on shard 2481', retryable: true } });
  f.seedItem({ name: 'qa-sample-set', createdAt: at(95), stage: 'done', state: 'done', jobId: 'job-a8f3kd92la0q', progress: p(512, 7.4e7, 1, { indexed: { done: 512, total: 512 }, exportFiles: { done: 3, total: 3 } }) });
  f.seedItem({ name: 'ingest-only-backfill', createdAt: at(130), pipeline: 'ingest', stage: 'done', state: 'done', progress: p(9_870, 1.2e9, 1, { indexed: { done: 9_870, total: 9_870 } }), expiresAt: new Date(now + 5 * 3600_000).toISOString() });
  f.seedItem({ name: 'new-drop', createdAt: at(1), stage: 'scan', state: 'running', progress: p(3_118, 4.4e8, 0) });
  f.watches.set('w1', {
    id: 'w1',
    spec: { folder: '/data/incoming/site-a', filter: 'images', job: { workflowId: 'detect-and-count' }, outDir: '/data/results/site-a', rule: { quietSeconds: 60, maxFiles: 5000, maxMinutes: 30 }, reingestChanged: false },
    state: 'watching',
    status: 'Watching for new files.',
    pendingFiles: 214,
    waitingForWrite: 3,
    lastBatchItemId: 'item-000001',
    nextCloseAt: new Date(now + 47_000).toISOString(),
    batchesCreated: 18,
  });
  f.watches.set('w2', {
    id: 'w2',
    spec: { folder: '/mnt/nas/dock-cams', filter: 'all', job: { workflowId: 'night-vision-v2' }, outDir: '/data/results/dock', rule: { quietSeconds: 120, maxFiles: 2000, maxMinutes: 60 }, reingestChanged: true },
    state: 'polling',
    status: 'The network share sends no change events, so it is checked every 10 s.',
    pendingFiles: 0,
    waitingForWrite: 0,
    batchesCreated: 4,
  });
  f.logs.set('item-000005', [
    { createdAt: at(60), severity: 'info', message: 'Upload started: 3,907 shards.' },
    { createdAt: at(20), severity: 'warning', message: 'Shard 2481 failed (ECONNRESET); retrying.' },
    { createdAt: at(19), severity: 'error', message: 'Shard 2481 failed 5 times; upload stopped.' },
  ]);
}

/** Shards as main would list them for the item's figures: 256 files each, sent in order, 8 at a time. */
export function fakeShards(item: ItemSummary): ShardRow[] {
  const perShard = 256;
  const { done, total } = item.progress.files;
  const count = Math.ceil(total / perShard);
  const sent = Math.floor(done / perShard);
  const bytesEach = total > 0 ? Math.round((item.progress.bytes.total / total) * perShard) : 0;
  return Array.from({ length: count }, (_, index): ShardRow => {
    const files = Math.min(perShard, total - index * perShard);
    const base = { index, files, bytes: Math.round((bytesEach * files) / perShard) };
    if (index < sent) return { ...base, state: item.stage === 'upload' || item.stage === 'scan' ? 'uploaded' : 'indexed', attempts: index % 97 === 5 ? 2 : 1, ...(index % 97 === 5 ? { error: 'storage answered 503: try again' } : {}) };
    if (item.state === 'failed' && index === sent) return { ...base, state: 'failed', attempts: 5, error: item.error?.message ?? 'failed' };
    if (item.state === 'running' && index < sent + 8) return { ...base, state: 'uploading', attempts: 1 };
    return { ...base, state: 'planned', attempts: 0 };
  });
}
