import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Emulator } from './server';
import { makePng, makePngSet } from './fixtures';
import { client, type Client, minimalJob, start, uploadShard, waitFor, waitTerminal } from './testkit';

interface Received {
  path: string;
  auth: string | undefined;
  body: Record<string, any>;
}

let emu: Emulator;
let c: Client;
let hook: Server;
let hookUrl: string;
const received: Received[] = [];
let failFirst = 0;

beforeAll(async () => {
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (ch: Buffer) => chunks.push(ch));
    req.on('end', () => {
      received.push({ path: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      if (failFirst > 0) {
        failFirst--;
        res.writeHead(500).end();
      } else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
  emu = await start();
  c = client(emu);
});
afterAll(async () => {
  await emu.stop();
  await new Promise((r) => hook.close(r));
});

const on = (path: string) => () => {
  const got = received.filter((r) => r.path === path);
  return got.length > 0 ? got : undefined;
};

it('job webhook: snake_case payload, Bearer rf_<workspace>, redelivered with delivery_attempt + 1', async () => {
  await uploadShard(c, 'wh-in', makePngSet(3, 'w'));
  failFirst = 1;
  const body = { ...minimalJob('wh-in'), notificationsURL: `${hookUrl}/job` };
  expect((await c.post(c.bp('/wh-job'), { json: body })).status).toBe(200);
  await waitTerminal(c, 'wh-job');
  const got = await waitFor(() => {
    const g = on('/job')();
    return g && g.length >= 2 ? g : undefined;
  });
  expect(got.map((g) => g.body.delivery_attempt)).toEqual([1, 2]);
  expect(got[1]!.auth).toBe('Bearer rf_sandbox');
  expect(got[1]!.body).toEqual({ type: 'roboflow-batch-job-notification-v1', job_id: 'wh-job', job_state: 'success', event_id: expect.any(String), delivery_attempt: 2 });
  expect(got[0]!.body.event_id).toBe(got[1]!.body.event_id);
  // The receiver sees the second delivery before the emulator has read its 200: wait for that too.
  const delivery = await waitFor(() => emu.inspect.webhooks().find((d) => d.url.endsWith('/job') && d.state !== 'pending'));
  expect(delivery).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 200 });
});

it('tar shard with notification_config.json sends ingest-status', async () => {
  await uploadShard(c, 'wh-tar', [
    { name: 'a.png', data: makePng({ seed: 'wa' }) },
    { name: 'notification_config.json', data: Buffer.from(JSON.stringify({ ingestId: 'ing-tar', notificationsURL: `${hookUrl}/tar` })) },
  ]);
  const [msg] = await waitFor(on('/tar'));
  expect(msg!.body).toMatchObject({
    type: 'roboflow-data-staging-notification-v1',
    ingest_id: 'ing-tar',
    batch_id: 'wh-tar',
    shard_id: expect.any(String),
    notification: { type: 'ingest-status-notification-v1', success: true },
    delivery_attempt: 1,
  });
});

it('references with files-status send per-shard file lists; non-loopback URLs are never contacted', async () => {
  await uploadShard(c, 'wh-src', makePngSet(2, 'src'));
  const src = (await c.get(c.ds('/wh-src/list'))).body.filesMetadata as { downloadURL: string }[];
  const refs = [
    { name: 'ok.png', url: src[0]!.downloadURL },
    { name: 'bad.png', url: 'https://example.com/bad.png' },
  ];
  const r = await c.post(c.ds('/wh-ref/bulk-upload/image-references'), {
    json: { imageReferences: refs, notificationsURL: `${hookUrl}/refs`, notificationCategories: ['files-status', 'ingest-status'] },
  });
  expect(r.status).toBe(200);
  const got = await waitFor(() => {
    const g = on('/refs')();
    return g && g.length >= 2 ? g : undefined;
  });
  const files = got.find((g) => g.body.notification.type === 'ingest-files-status-notification-v1')!.body;
  expect(files.shard_id).toBe(r.body.shardIds[0]);
  expect(files.notification).toEqual({
    type: 'ingest-files-status-notification-v1',
    success: false,
    ingested_files: ['ok.png'],
    failed_files: [{ type: 'unsafe-url-detected', file_name: 'bad.png', reason: expect.any(String) }],
    content_truncated: false,
  });
  const status = got.find((g) => g.body.notification.type === 'ingest-status-notification-v1')!.body;
  expect(status.ingest_id).toBe(r.body.ingestId);

  await c.post(c.ds('/wh-ext/bulk-upload/image-references'), { json: { imageReferences: refs.slice(0, 1), notificationsURL: 'https://example.com/hook' } });
  const skipped = await waitFor(() => emu.inspect.webhooks().find((d) => d.url === 'https://example.com/hook'));
  expect(skipped.state).toBe('skipped-non-loopback');
  expect(skipped.attempts).toBe(0);
});
