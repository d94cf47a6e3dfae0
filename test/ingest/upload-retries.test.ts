// Retries as an operator sees them: a signed-URL request refused with a Retry-After is not asked
// again sooner than the service said (however long; the item says how long it waits, and a pause cuts
// the wait short), and the item's "retrying" banner shows only while something really waits: not
// after the waiting piece ended another way, nor from a banner an earlier run left in item.json.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import type { Emulator } from '../emulator/server';
import type { FaultConfig } from '../emulator/faults';
import type { RetryingState, TransferSettings } from '../../shared/domain';
import { createIngestSteps } from '../../main/engine/ingest/steps';
import { Engine } from '../../main/engine/pipeline/engine';
import type { Step } from '../../main/engine/pipeline/step';
import { RoboflowClient } from '../../main/engine/roboflow/client';
import type { HttpOptions } from '../../main/engine/roboflow/http';
import { defaultSettings } from '../../main/engine/settings';
import { FAST, KEY, makeTree, planEntries, startEmu } from './helpers';

const scratch = useScratch('all');
const emulator = async (...args: Parameters<typeof startEmu>): Promise<Emulator> => scratch.server(await startEmu(...args));
const dir = (label: string) => scratch.dir(label);

/** An engine with the real ingest steps; the API client tries each call once unless told otherwise, so the uploader's own retries are what runs. */
function engineFor(emu: Emulator, data: string, opts: { http?: Partial<HttpOptions>; transfer?: Partial<TransferSettings>; upload?: (real: Step) => Step } = {}): Engine {
  const settings = defaultSettings(data);
  settings.transfer = { ...settings.transfer, ...opts.transfer };
  const [scan, upload, indexing] = createIngestSteps(FAST);
  return new Engine({
    dataDir: data,
    steps: [scan!, opts.upload ? opts.upload(upload!) : upload!, indexing!],
    client: () => RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY, retry: { baseMs: 10, maxMs: 100, maxAttempts: 1 }, ...opts.http }),
    settings: () => settings,
    progressIntervalMs: 20,
  });
}

/**
 * The real upload step, noting the item's banner each time it reports files done (the banner as
 * the engine holds it, i.e. as a console shows it), and calling `onRetrying` when a piece waits.
 */
function watchingBanner(bannersWhenFilesDone: (RetryingState | undefined)[], onRetrying?: (itemDir: string) => void) {
  return (real: Step): Step => ({
    stage: 'upload',
    run: (ctx) =>
      real.run({
        ...ctx,
        progress: (update) => {
          if (update.retrying) onRetrying?.(ctx.itemDir);
          ctx.progress(update);
          if (update.files && update.files.done > 0) bannersWhenFilesDone.push(ctx.item.progress.retrying);
        },
      }),
  });
}

it('waits as long as the service asks before asking again for a signed URL, says how long, and a pause cuts the wait short', async () => {
  // Always 429 with Retry-After: 1 s, longer than this client sits out itself (as 10 minutes is for the
  // real one, whose limit is 2): the error reaches the uploader, which must not come back sooner.
  const emu = await emulator({ rules: [{ route: 'bulk-upload-url', kind: 'status', status: 429, retryAfterSeconds: 1 }] });
  const src = dir('ra-src');
  makeTree(src, 5);
  const engine = engineFor(emu, dir('ra-data'), { http: { retryAfterMaxMs: 100, retry: { baseMs: 10, maxMs: 100, maxAttempts: 3 } } });
  const shown: RetryingState[] = [];
  engine.on('progress', (e) => e.progress.retrying && shown.push(e.progress.retrying));
  const item = engine.add({ pipeline: 'ingest', roots: [src], batchId: 'ra-batch' });
  await sleep(2500);
  // asked at about 0, 1 and 2 s (the uploader's own backoff would have spent its 12 attempts within a second and failed the item)
  const asked = emu.inspect.requests()['bulk-upload-url']!.attempts;
  expect(asked).toBeGreaterThanOrEqual(2);
  expect(asked).toBeLessThanOrEqual(3);
  expect(engine.get(item.id)!.state).toBe('running');
  expect(shown.at(-1)!.reason).toMatch(/^next try in 1s: .*429.*asks to wait 1s/);
  const pausedAt = Date.now();
  engine.pause(item.id);
  await engine.waitFor(item.id);
  expect(Date.now() - pausedAt).toBeLessThan(500);
  expect(engine.get(item.id)!.state).toBe('paused');
  await sleep(1200);
  expect(emu.inspect.requests()['bulk-upload-url']!.attempts).toBe(asked);
  await engine.close();
});

const endedOtherwise: Record<string, { faults: FaultConfig; limits?: Parameters<typeof startEmu>[1]; files: (src: string) => void; transfer: Partial<TransferSettings>; vanish?: boolean }> = {
  // shard 0 waits after a 503, its files are deleted meanwhile; shard 1 goes after it
  'every file of the waiting shard vanished': {
    faults: { rules: [{ route: 'bulk-upload-url', kind: 'status', status: 503, times: 1 }] },
    files: (src) => makeTree(src, 20, { bytes: 1000 }),
    transfer: { shardFiles: 10, concurrency: 1 },
    vanish: true,
  },
  // the one shard waits after a 503, then the next URL is too small for it: its parts go instead
  'the waiting shard was split to fit the URL': {
    faults: { rules: [{ route: 'bulk-upload-url', kind: 'status', status: 503, times: 1 }] },
    limits: { maxTarBytes: 2 * 1024 * 1024 }, // the smallest limit taken for bytes is 1 MiB
    files: (src) => makeTree(src, 20, { bytes: 120_000 }),
    transfer: { shardFiles: 20, concurrency: 1 },
  },
  // the big video waits after a 503, then is left out as too large; the small one goes after it
  'the waiting video was too large for the service': {
    faults: { rules: [{ route: 'upload-video-url', kind: 'status', status: 503, times: 1 }] },
    limits: { maxVideoBytes: 2 * 1024 * 1024 }, // the smallest limit taken for bytes is 1 MiB
    files: (src) => {
      fs.writeFileSync(path.join(src, 'a-big.mp4'), Buffer.alloc(3 * 1024 * 1024, 1));
      fs.writeFileSync(path.join(src, 'b-small.mp4'), Buffer.alloc(5_000, 1));
    },
    transfer: { videoConcurrency: 1 },
  },
};

it.each(Object.keys(endedOtherwise))('shows no retrying banner once the piece that waited is gone: %s', async (name) => {
  const c = endedOtherwise[name]!;
  const emu = await emulator(c.faults, c.limits);
  const src = dir('banner-src');
  c.files(src);
  const banners: (RetryingState | undefined)[] = [];
  let vanishing: string[] = [];
  const engine = engineFor(emu, dir('banner-data'), {
    transfer: c.transfer,
    upload: (real) => {
      const watched = watchingBanner(banners, () => {
        for (const p of vanishing.splice(0)) fs.rmSync(p);
      })(real);
      return {
        stage: 'upload',
        async run(ctx) {
          if (c.vanish) vanishing = (await planEntries(ctx.itemDir)).filter((e) => e.shard === 0).map((e) => e.sourcePath);
          await watched.run(ctx);
        },
      };
    },
  });
  const s = await engine.waitFor(engine.add({ pipeline: 'ingest', roots: [src], batchId: 'banner-batch' }).id);
  await engine.close();
  expect(s.error?.message).toBeUndefined();
  expect(s.state).toBe('done');
  expect(Object.values(emu.inspect.requests()).reduce((n, r) => n + r.faulted, 0)).toBe(1); // it did wait once
  expect(banners.length).toBeGreaterThan(0);
  expect(banners.filter(Boolean)).toEqual([]);
});

it('does not show a retrying banner saved by an earlier run that stopped while a piece waited', async () => {
  const emu = await emulator();
  const src = dir('saved-src');
  makeTree(src, 12);
  const data = dir('saved-data');
  // First run: its upload step shows a banner, then the process stops (shutdown saves item.json).
  let waiting!: () => void;
  const shownBanner = new Promise<void>((r) => (waiting = r));
  const first = engineFor(emu, data, {
    upload: (): Step => ({
      stage: 'upload',
      run: (ctx) =>
        new Promise((_, reject) => {
          ctx.progress({ retrying: { count: 1, reason: 'next try in 1s: storage answered 503', nextAttemptAt: new Date(Date.now() + 1000).toISOString() } });
          waiting();
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }),
    }),
  });
  const { id } = first.add({ pipeline: 'ingest', roots: [src], batchId: 'saved-batch' });
  await shownBanner;
  await first.close();
  expect(JSON.parse(fs.readFileSync(path.join(first.itemDir(id), 'item.json'), 'utf8')).progress.retrying).toBeDefined();
  // The next start resumes it: nothing waits any more.
  const banners: (RetryingState | undefined)[] = [];
  const second = engineFor(emu, data, { upload: watchingBanner(banners) });
  second.resumeAll();
  const s = await second.waitFor(id);
  await second.close();
  expect(s.state).toBe('done');
  expect(banners.length).toBeGreaterThan(0);
  expect(banners.filter(Boolean)).toEqual([]);
});
