// The web transport end to end: a host with a real Engine against the emulator, driven over real
// HTTP exactly as the browser UI does (invoke + server-sent events).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/server';
import { makePng } from '../emulator/fixtures';
import { startWebServer, type WebServer } from '../../main/web/server';
import { tempDir, testApp } from '../host/fixture';
import { emptyProgress } from '../../shared/domain';
import { unpackProgress, type ProgressBatch } from '../../shared/progress-batch';
import { webClient, type EventStream } from './web-client';

const KEY = 'transport-key-1234';
let emulator: Emulator;
let app: ReturnType<typeof testApp>;
let server: WebServer;
let client: ReturnType<typeof webClient>;
let stream: EventStream;
let folder: string;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [KEY], timeScale: 0 });
  app = testApp();
  server = await startWebServer({ host: app.host });
  client = webClient(server.url, server.token);
  stream = await client.events();
  folder = tempDir('bd-transport-src-');
  for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(folder, `img-${i}.png`), makePng({ seed: i }));
});

afterAll(async () => {
  stream?.close();
  await server?.close();
  await app?.close();
  await emulator?.stop();
});

describe('web transport', () => {
  it('answers a malformed call with a Result, not an HTTP error', async () => {
    const r = await client.invoke('item:get', { id: 'a/../b' });
    expect(r.ok).toBe(false);
    expect(r.error!.code).toBe('invalid-argument');
    expect(r.error!.message).toMatch(/id must be an id/);
  });

  it('refuses a key the service does not know, in plain words, and keeps nothing', async () => {
    const r = await client.invoke('profiles:add', { apiKey: 'not-a-valid-key-999', apiUrl: emulator.url, storage: 'keychain' });
    expect(r).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(r.error!.message).toMatch(/refused the key \(401\)/);
    expect(app.keychain.entries.size).toBe(0);
    expect((await client.invoke('profiles:list')).value.profiles).toEqual([]);
  });

  it('a checked key becomes the active profile; the UI sees workspace and masked key only', async () => {
    const r = await client.invoke('profiles:add', { name: 'Emulator', apiKey: KEY, apiUrl: emulator.url, storage: 'keychain' });
    expect(r.ok).toBe(true);
    expect(r.value).toMatchObject({ name: 'Emulator', workspace: 'sandbox', maskedKey: '••••••••1234', storage: 'keychain', active: true });
    expect(JSON.stringify(r)).not.toContain(KEY);
    const changed = await stream.waitFor((e) => e.event === 'profiles:changed');
    expect(JSON.stringify(changed.data)).not.toContain(KEY);
    // The key is in the keychain, and profiles.json holds metadata only.
    expect([...app.keychain.entries.values()]).toEqual([KEY]);
    expect(fs.readFileSync(path.join(app.dataDir, 'profiles.json'), 'utf8')).not.toContain(KEY);
  });

  it('refuses a folder that does not exist, naming it', async () => {
    const missing = path.join(folder, 'nope');
    const r = await client.invoke('queue:add', { roots: [missing], pipeline: 'ingest' });
    expect(r).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(r.error!.message).toContain(missing);
  });

  it('queue:add creates an item; its changes arrive as events; it finishes and moves to history', async () => {
    const preview = await client.invoke('queue:preview', { paths: [folder] });
    expect(preview.value).toMatchObject({ folders: 1, files: 5, images: 5, videos: 0, partial: false });

    const added = await client.invoke('queue:add', { roots: [folder], pipeline: 'ingest', batchId: 'transport-batch' });
    expect(added.ok).toBe(true);
    const id = added.value.id as string;
    expect(added.value.batchId).toBe('transport-batch');

    await stream.waitFor((e) => e.event === 'queue:item' && (e.data as { id: string }).id === id);
    const done = await stream.waitFor((e) => e.event === 'queue:item' && (e.data as { id: string; state: string }).id === id && ['done', 'failed'].includes((e.data as { state: string }).state));
    expect((done.data as { state: string; error?: unknown }).state, JSON.stringify(done.data)).toBe('done');
    await stream.waitFor((e) => e.event === 'notice' && (e.data as { itemId?: string }).itemId === id);

    // Really ingested: every file is in the remote batch, once.
    const remote = await emulator.inspect.files('transport-batch');
    expect(remote?.map((f) => f.name.replace(/^.*__/, '')).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `img-${i}.png`));
    expect(remote?.every((f) => f.receivedCount === 1)).toBe(true);
    // A summary carries the item's figures (this item finished before its first progress batch was
    // due, and a summary drops the figures still waiting); a running item's progress travels as
    // packed batches.
    expect((done.data as { progress: { files: unknown } }).progress.files).toEqual({ done: 5, total: 5 });
    const running = { id: 'elsewhere', stage: 'upload' as const, progress: { ...emptyProgress(), files: { done: 2, total: 9 }, throughput: 5e6, etaSeconds: 3.5 } };
    app.engine.emit('progress', running);
    const batch = await stream.waitFor((e) => e.event === 'item:progress' && (e.data as ProgressBatch).ids.includes('elsewhere'));
    expect(unpackProgress(batch.data as ProgressBatch)).toEqual([running]);

    const detail = await client.invoke('item:get', { id });
    expect(detail.ok).toBe(true);
    expect(detail.value.summary.id).toBe(id);
    expect(detail.value.summary.progress.files).toEqual({ done: 5, total: 5 });
    expect(detail.value.shards.length).toBeGreaterThan(0);
    expect(Array.isArray(detail.value.throughputHistory)).toBe(true);

    const files = await client.invoke('item:files', { id, offset: 0, limit: 3 });
    expect(files.value.total).toBe(5);
    expect(files.value.rows).toHaveLength(3);

    expect((await client.invoke('queue:list', {})).value.items.map((s: { id: string }) => s.id)).not.toContain(id);
    expect((await client.invoke('history:list', {})).value.map((s: { id: string }) => s.id)).toContain(id);
  });

  it('item:open-output in web mode returns the path without opening anything', async () => {
    const out = tempDir('bd-transport-out-');
    const added = await client.invoke('queue:add', { roots: [folder], pipeline: 'ingest', outDir: out });
    const r = await client.invoke('item:open-output', { id: added.value.id });
    expect(r).toEqual({ ok: true, value: { path: out, opened: false } });
  });
});
