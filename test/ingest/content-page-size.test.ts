// The batch content list is asked for without a page size, as the official client does: the
// service's default and maximum are not documented (roboflow-api.md 1.7), and the emulator refuses
// a page size above its maximum instead of capping it.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { useScratch } from '../helpers/scratch';
import { makePngSet } from '../emulator/fixtures';
import { KEY, client as emuClient, start, uploadShard } from '../emulator/testkit';
import { RoboflowClient } from '../../main/engine/roboflow/client';
import { Reconciler } from '../../main/engine/ingest/reconcile';

const scratch = useScratch();

/** Forwards every API request to `target`, keeping the paths and queries it saw. */
async function recordingProxy(target: string): Promise<{ url: string; seen: string[]; stop(): Promise<void> }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url!);
    const out = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

it('reconciliation lists the batch without a page size, over as many pages as the service gives', async () => {
  const emu = scratch.server(await start());
  const entries = makePngSet(250, 'paged'); // more than the emulator's default page of 100
  await uploadShard(emuClient(emu), 'paged-batch', entries);
  const proxy = scratch.server(await recordingProxy(emu.url));
  const client = await RoboflowClient.connect({ apiUrl: proxy.url, apiKey: KEY });
  const reconciler = new Reconciler(client.staging, 'paged-batch', { graceMs: 0, timeoutMs: 5_000, pollMinMs: 5, pollMaxMs: 20, signal: new AbortController().signal });

  expect(await reconciler.delivered([entries[249]!.name])).toBe(true);
  const listings = proxy.seen.filter((u) => u.includes('/batches/paged-batch/list'));
  expect(listings).toHaveLength(3);
  for (const u of listings) expect(new URL(u, proxy.url).searchParams.has('pageSize')).toBe(false);
});
