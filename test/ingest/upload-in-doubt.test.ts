// An upload whose outcome is unknown: only a PUT whose whole body left this process may have landed,
// so only such a PUT is looked for in the batch (a wait as long as the service's listing lags) before
// it is sent again; one whose body never left (the connection was never made) is retried after its
// backoff. While the batch is searched, the item says so instead of "next try in 1s", in this run
// and in a resume that finds the piece in doubt.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import type { Emulator, FaultConfig } from '../emulator/server';
import { emptyProgress, type RetryingState } from '../../shared/domain';
import { progressLine } from '../../main/cli/progress-display';
import { IngestState, type IngestRecord } from '../../main/engine/ingest/ingest-journal';
import { PutError, putStream } from '../../main/engine/ingest/put';
import type { IngestTuning } from '../../main/engine/ingest/uploader';
import { createIngestSteps } from '../../main/engine/ingest/steps';
import { Engine } from '../../main/engine/pipeline/engine';
import { RoboflowClient } from '../../main/engine/roboflow/client';
import { defaultSettings } from '../../main/engine/settings';
import { FAST, KEY, expectExactlyOnce, makeTree, planEntries, startEmu } from './helpers';

const scratch = useScratch('all');
const emulator = async (faults?: FaultConfig): Promise<Emulator> => scratch.server(await startEmu(faults));
const dir = (label: string) => scratch.dir(label);

/** A port nothing listens on: a connection to it is refused before a byte of the body goes. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A TLS endpoint that never finishes its handshake: it hangs up after `ms`, by when the whole body of
 * a small shard was read, ready to go, though not a byte of it can have left (as on a real link
 * whose connection fails: a refused or timed-out connect, a failed handshake).
 */
async function hangUpBeforeHandshake(ms: number): Promise<number> {
  const s = net.createServer((sock) => setTimeout(() => sock.destroy(), ms));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  scratch.server({ stop: () => new Promise<void>((r) => s.close(() => r())) } as unknown as Emulator);
  return (s.address() as net.AddressInfo).port;
}

/** An engine with the real ingest steps; `firstUrlTo` sends the first shard PUT to that https port instead. */
function engineFor(emu: Emulator, data: string, tuning: Partial<IngestTuning>, opts: { firstUrlTo?: number } = {}): Engine {
  const settings = defaultSettings(data);
  settings.transfer = { ...settings.transfer, shardFiles: 1000, concurrency: 1 };
  return new Engine({
    dataDir: data,
    steps: createIngestSteps({ ...FAST, ...tuning }),
    client: async () => {
      const client = await RoboflowClient.connect({ apiUrl: emu.url, apiKey: KEY, retry: { baseMs: 10, maxMs: 100, maxAttempts: 8 } });
      let redirect = opts.firstUrlTo;
      const real = client.staging.requestBulkUploadUrl.bind(client.staging);
      client.staging.requestBulkUploadUrl = async (...args) => {
        const url = await real(...args);
        if (redirect === undefined) return url;
        const u = new URL(url.uploadURL);
        u.protocol = 'https:';
        u.port = String(redirect);
        redirect = undefined;
        return { ...url, uploadURL: u.toString() };
      };
      return client;
    },
    settings: () => settings,
    progressIntervalMs: 20,
  });
}

function journal(itemDir: string): IngestRecord[] {
  return fs
    .readFileSync(path.join(itemDir, 'ingest.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as IngestRecord);
}

it('a PUT whose connection was refused did not hand its body over: it may not have landed', async () => {
  // 40 KB: all of it is read into the PUT's pipeline before the connection is even tried.
  const body = Readable.from([Buffer.alloc(40_000, 1)]);
  const err = await putStream({ url: `http://127.0.0.1:${await deadPort()}/up`, headers: {}, contentLength: 40_000, body, stallMs: 5000 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PutError);
  expect((err as PutError).kind).toBe('retryable');
  expect((err as PutError).maybeDelivered).toBe(false);
});

it('a shard whose PUT never got connected is retried after its backoff, without waiting for the listing', async () => {
  const emu = await emulator();
  const src = dir('refused-src');
  makeTree(src, 30); // a 47 KB shard: all of it fits in the PUT's pipeline before the connection is made
  // A listing wait this long would outlast the test.
  const engine = engineFor(emu, dir('refused-data'), { reconcileGraceMs: 60_000 }, { firstUrlTo: await hangUpBeforeHandshake(300) });
  const shown: RetryingState[] = [];
  engine.on('progress', (e) => e.progress.retrying && shown.push(e.progress.retrying));
  const started = Date.now();
  const s = await engine.waitFor(engine.add({ pipeline: 'ingest', roots: [src], batchId: 'refused' }).id);
  await engine.close();
  expect(s.error).toBeUndefined();
  expect(s.state).toBe('done');
  expect(Date.now() - started).toBeLessThan(15_000);
  const failed = journal(engine.itemDir(s.id)).filter((r) => r.t === 'attempt-failed');
  expect(failed).toEqual([expect.objectContaining({ piece: 's0', maybeDelivered: false, error: expect.stringMatching(/TLS|socket/) })]);
  expect(shown.filter((r) => r.checkingArrival)).toEqual([]);
  expect(shown.some((r) => /^next try in/.test(r.reason))).toBe(true);
  const names = (await planEntries(engine.itemDir(s.id))).map((e) => e.batchName);
  expect(await expectExactlyOnce(emu, 'refused', names)).toEqual({ missing: [], duplicated: [], unexpected: [] });
}, 20_000);

it('says it is checking whether a shard arrived while the listing wait lasts, not "next try in 1s"', async () => {
  // The tester's case: a small shard is all in the socket before storage resets the connection
  // (after reading 2000 bytes), so from here it is a PUT that may have landed and lost its answer.
  const emu = await emulator({ rules: [{ route: 'storage-put', kind: 'reset-request', afterBytes: 2000, times: 1 }] });
  const src = dir('check-src');
  makeTree(src, 50);
  const GRACE = 1500;
  const engine = engineFor(emu, dir('check-data'), { reconcileGraceMs: GRACE });
  const shown: { at: number; retrying: RetryingState }[] = [];
  engine.on('progress', (e) => e.progress.retrying && shown.push({ at: Date.now(), retrying: e.progress.retrying }));
  const s = await engine.waitFor(engine.add({ pipeline: 'ingest', roots: [src], batchId: 'check' }).id);
  await engine.close();
  expect(s.state).toBe('done');
  expect(journal(engine.itemDir(s.id)).filter((r) => r.t === 'attempt-failed')).toEqual([expect.objectContaining({ maybeDelivered: true })]);
  const checking = shown.filter((r) => r.retrying.checkingArrival);
  expect(checking.length).toBeGreaterThan(0);
  expect(checking[0]!.retrying.reason).toBe("checking whether shard 0 arrived (the service's listing can lag up to 2s)");
  // It was said for the whole wait: the backoff's "next try" only once the service had answered.
  const firstNextTry = shown.find((r) => /^next try in/.test(r.retrying.reason));
  expect(firstNextTry).toBeDefined();
  expect(firstNextTry!.at - checking[0]!.at).toBeGreaterThanOrEqual(GRACE - 100);
  expect(s.progress.retrying).toBeUndefined();
  const names = (await planEntries(engine.itemDir(s.id))).map((e) => e.batchName);
  expect(await expectExactlyOnce(emu, 'check', names)).toEqual({ missing: [], duplicated: [], unexpected: [] });
}, 20_000);

it('a resume that finds a shard in doubt says it is checking whether it arrived, and waits only what is left of the listing lag', async () => {
  const emu = await emulator({ rules: [{ route: 'storage-put', kind: 'reset-request', afterBytes: 2000, times: 1 }] });
  const src = dir('resume-src');
  makeTree(src, 50);
  const data = dir('resume-data');
  const GRACE = 8000;
  // First run: stopped (as by Ctrl-C) 5 s into its wait for the listing: about 3 s are left of it.
  const first = engineFor(emu, data, { reconcileGraceMs: GRACE });
  const checking = new Promise<void>((resolve) => first.on('progress', (e) => e.progress.retrying?.checkingArrival && resolve()));
  const id = first.add({ pipeline: 'ingest', roots: [src], batchId: 'resume' }).id;
  await checking;
  await sleep(5000);
  await first.close();
  expect(IngestState.load(first.itemDir(id)).inDoubt()).toEqual(['s0']);
  // The resume asks before it sends anything, says so, and counts the lag from the failed attempt.
  const second = engineFor(emu, data, { reconcileGraceMs: GRACE });
  const shown: RetryingState[] = [];
  second.on('progress', (e) => e.progress.retrying && shown.push(e.progress.retrying));
  const resumed = Date.now();
  second.resumeAll();
  const s = await second.waitFor(id);
  const took = Date.now() - resumed;
  await second.close();
  expect(s.state).toBe('done');
  expect(shown[0]).toMatchObject({ count: 1, checkingArrival: true, reason: "checking whether shard 0 arrived (the service's listing can lag up to 8s)" });
  // about 3 s left of the lag; waiting it all over again would take 8 s (room left for a loaded machine)
  expect(took).toBeLessThan(GRACE - 1500);
  const names = (await planEntries(second.itemDir(id))).map((e) => e.batchName);
  expect(await expectExactlyOnce(emu, 'resume', names)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  expect(emu.inspect.uploads().filter((u) => u.completed)).toHaveLength(1);
}, 30_000);

it('a resume that finds in doubt a shard that landed, listed late, does not send it again', async () => {
  // Stored, answer lost, listed 3 s after its PUT; the resume comes 2 s after the failure.
  const LAG = 3000;
  const emu = await emulator({ listingLagMs: LAG, rules: [{ route: 'storage-put', kind: 'reset-after-commit', times: 1 }] });
  const src = dir('landed-src');
  makeTree(src, 50);
  const data = dir('landed-data');
  const first = engineFor(emu, data, { reconcileGraceMs: LAG + 1000 });
  const checking = new Promise<void>((resolve) => first.on('progress', (e) => e.progress.retrying?.checkingArrival && resolve()));
  const id = first.add({ pipeline: 'ingest', roots: [src], batchId: 'landed' }).id;
  await checking;
  await sleep(2000);
  await first.close();
  expect(IngestState.load(first.itemDir(id)).inDoubt()).toEqual(['s0']);
  const second = engineFor(emu, data, { reconcileGraceMs: LAG + 1000 });
  second.resumeAll();
  const s = await second.waitFor(id);
  await second.close();
  expect(s.state).toBe('done');
  expect(IngestState.load(second.itemDir(id)).pieces.get('s0')).toMatchObject({ state: 'uploaded', reconciled: true });
  expect(emu.inspect.uploads().filter((u) => u.completed)).toHaveLength(1);
  const names = (await planEntries(second.itemDir(id))).map((e) => e.batchName);
  expect(await expectExactlyOnce(emu, 'landed', names)).toEqual({ missing: [], duplicated: [], unexpected: [] });
}, 30_000);

it('the progress line says what is checked, whole, instead of a retry', () => {
  const retrying: RetryingState = { count: 1, reason: "checking whether shard 12 arrived (the service's listing can lag up to 2 min)", nextAttemptAt: new Date().toISOString(), checkingArrival: true };
  const line = progressLine('cams', 'upload', { ...emptyProgress(), retrying });
  expect(line).toMatch(/checking whether shard 12 arrived \(the service's listing can lag up to 2 min\)$/);
  expect(line).not.toMatch(/retrying/);
  expect(progressLine('cams', 'upload', { ...emptyProgress(), retrying: { ...retrying, count: 3 } })).toMatch(/lag up to 2 min\) \(3 waiting\)$/);
});
