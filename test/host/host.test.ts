// The host's own behaviour: defaults filled in for a drop, plain errors with the next step, notices
// when an item finishes or fails, the bounded drop count, the throughput ring.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventChannel } from '../../shared/contract';
import type { Step } from '../../main/engine/pipeline/step';
import { ApiError } from '../../main/engine/roboflow/http';
import { registerSecret } from '../../main/engine/secrets';
import { previewDrop } from '../../main/host/drop-preview';
import { HostError, toHostError } from '../../main/host/errors';
import { ThroughputHistory } from '../../main/host/throughput-history';
import { memoryKeychain, tempDir, testApp } from './fixture';

const apps: ReturnType<typeof testApp>[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

/** A host with a saved (never checked) profile and the given steps. */
function hostWith(steps: Step[]) {
  const dataDir = tempDir('bd-hosttest-');
  const kc = memoryKeychain();
  kc.entries.set('p-test', 'host-test-key-0000');
  fs.writeFileSync(
    path.join(dataDir, 'profiles.json'),
    JSON.stringify({ activeId: 'p-test', profiles: [{ id: 'p-test', name: 'T', workspace: 'w', apiUrl: 'http://127.0.0.1:1', maskedKey: 'x', storage: 'keychain', createdAt: '' }] }),
  );
  const app = testApp({ dataDir, keychain: kc, steps });
  apps.push(app);
  const events: [EventChannel, any][] = [];
  app.host.subscribe((e, p) => events.push([e, p]));
  return { app, events };
}

const folderWith = (n: number) => {
  const dir = tempDir('bd-src-');
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, `f${i}.png`), 'x'.repeat(10));
  return dir;
};

describe('host', () => {
  it('a full-pipeline drop without a job uses the default job and output folder from settings, or says what is missing', async () => {
    const { app } = hostWith([]);
    const src = folderWith(1);
    const refused = await app.host.invoke('queue:add', { roots: [src], pipeline: 'full' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: expect.stringMatching(/needs a Workflow.*Settings › Default job/) } });

    await app.host.invoke('settings:set', { defaultJob: { workflowId: 'default-wf', machineType: 'gpu' } });
    const added = await app.host.invoke('queue:add', { roots: [src], pipeline: 'full' });
    expect(added.ok).toBe(true);
    const item = app.engine.get((added as any).value.id)!;
    expect(item.spec.job).toEqual({ workflowId: 'default-wf', machineType: 'gpu' });
    expect(item.outDir).toBe(app.settings.get().defaultOutDir);

    // '' is "no default output folder": saved, then a full drop says what is missing.
    expect(await app.host.invoke('settings:set', { defaultOutDir: '' })).toMatchObject({ ok: true, value: { defaultOutDir: '' } });
    const noOut = await app.host.invoke('queue:add', { roots: [src], pipeline: 'full' });
    expect(noOut).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: expect.stringMatching(/needs an output folder.*Settings › Default output folder/) } });
  });

  it('turning start at login on or off acts on the OS first, and is not saved when the OS refuses', async () => {
    const calls: boolean[] = [];
    let refuse = false;
    const setStartAtLogin = (on: boolean) => {
      if (refuse) throw Object.assign(new Error("EACCES: permission denied, open '/home/op/.config/autostart/batch-desk.desktop'"), { code: 'EACCES' });
      calls.push(on);
    };
    const app = testApp({ steps: [], platform: { mode: 'desktop', setStartAtLogin } });
    apps.push(app);
    expect(await app.host.invoke('settings:set', { startAtLogin: true })).toMatchObject({ ok: true, value: { startAtLogin: true } });
    expect(await app.host.invoke('settings:set', { startAtLogin: true, notifications: false })).toMatchObject({ ok: true });
    expect(calls).toEqual([true]); // unchanged: the OS is not asked again
    refuse = true;
    const r = await app.host.invoke('settings:set', { startAtLogin: false });
    expect(r).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^Permission denied/) } });
    expect(app.settings.get().startAtLogin).toBe(true);
  });

  it('without any profile a drop is refused with the way to add one', async () => {
    const app = testApp({ steps: [] });
    apps.push(app);
    const r = await app.host.invoke('queue:add', { roots: [folderWith(1)], pipeline: 'ingest' });
    expect(r).toEqual({ ok: false, error: { code: 'no-profile', message: 'No API key is set up yet. Add one in Settings › Profiles.' } });
  });

  it('tells the operator once when an item finishes and when one fails', async () => {
    const failing: Step = { stage: 'scan', run: async (ctx) => (ctx.item.name.startsWith('bad') ? Promise.reject(new ApiError('Nope.', 'remote', 'scan')) : undefined) };
    const { app, events } = hostWith([failing]);
    const good = await app.host.invoke('queue:add', { roots: [folderWith(1)], pipeline: 'ingest', name: 'good one' });
    const bad = await app.host.invoke('queue:add', { roots: [folderWith(1)], pipeline: 'ingest', name: 'bad one' });
    await app.engine.waitFor((good as any).value.id);
    await app.engine.waitFor((bad as any).value.id);
    const notices = events.filter(([e]) => e === 'notice').map(([, p]) => p);
    expect(notices).toContainEqual({ level: 'info', message: 'good one is done.', itemId: (good as any).value.id });
    expect(notices).toContainEqual({ level: 'error', message: 'bad one failed: Nope.', itemId: (bad as any).value.id });
    expect(notices).toHaveLength(2);
  });

  it('queue:list answers page by page, newest first, each page starting after the last one', async () => {
    // A step that waits until stopped keeps every item active.
    const hold: Step = { stage: 'scan', run: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))) };
    const { app } = hostWith([hold]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(((await app.host.invoke('queue:add', { roots: [folderWith(1)], pipeline: 'ingest', name: `n${i}` })) as any).value.id);
    // (Items made within one millisecond are ordered by id.)
    const newestFirst = app.engine.list().map((s) => s.id);
    expect([...newestFirst].sort()).toEqual([...ids].sort());

    const seen: string[] = [];
    let after: unknown;
    for (let pages = 0; pages < 10; pages++) {
      const r = (await app.host.invoke('queue:list', after ? { after, limit: 2 } : { limit: 2 })) as any;
      expect(r.ok).toBe(true);
      expect(r.value.total).toBe(5);
      seen.push(...r.value.items.map((s: { id: string }) => s.id));
      if (!r.value.next) break;
      expect(r.value.next).toEqual({ createdAt: r.value.items.at(-1).createdAt, id: r.value.items.at(-1).id });
      after = r.value.next;
    }
    expect(seen).toEqual(newestFirst);

    // The cursor is a place in the order, not an index: removing the item it names (or items before
    // it) between pages neither repeats nor skips the rest.
    const first = (await app.host.invoke('queue:list', { limit: 2 })) as any;
    await app.host.invoke('item:cancel', { id: newestFirst[1]! });
    await app.host.invoke('item:cancel', { id: newestFirst[0]! });
    const rest = (await app.host.invoke('queue:list', { after: first.value.next, limit: 10 })) as any;
    expect(rest.value.items.map((s: { id: string }) => s.id)).toEqual(newestFirst.slice(2));
    expect(rest.value.next).toBeNull();
    expect(rest.value.total).toBe(3);

    // Without a limit a page holds up to the default, and a wrong cursor is refused in plain words.
    expect(((await app.host.invoke('queue:list', {})) as any).value.items).toHaveLength(3);
    expect(await app.host.invoke('queue:list', { after: { createdAt: 'soon', id: ids[0] } })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
  });

  it('errors are one plain sentence: a refused key points to Settings, no stack, no key', () => {
    registerSecret('secret-key-for-errors');
    expect(toHostError(new ApiError('The service refused the API key (401) during list batches. Check the key in Settings › Profiles.', 'unauthorized', 'list batches', 401))).toMatchObject({
      code: 'unauthorized',
      message: 'The service refused the key (401). Check it in Settings › Profiles.',
    });
    const internal = toHostError(new TypeError('x is undefined at https://api.example/?api_key=secret-key-for-errors'));
    expect(internal.code).toBe('internal');
    expect(internal.message).not.toContain('secret-key-for-errors');
    expect(JSON.stringify(internal)).not.toMatch(/\n\s+at /);
    expect(toHostError(new HostError('not-found', 'No item.'))).toEqual({ code: 'not-found', message: 'No item.' });
    expect(toHostError(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', path: '/x' }))).toMatchObject({ code: 'io', message: expect.stringMatching(/Permission denied \(\/x\)/) });
  });

  it('an item whose name looks like a key parameter is redacted, and still listed and announced', async () => {
    // Redacting the JSON text of the answer cut the escaped quote in two and left JSON that did not
    // parse: the item was saved but never queued, and every queue:list failed from then on.
    const { app, events } = hostWith([]);
    const added = await app.host.invoke('queue:add', { roots: [folderWith(1)], pipeline: 'ingest', name: 'cams?api_key="front' });
    expect(added).toMatchObject({ ok: true, value: { name: 'cams?api_key=***"front' } });
    const listed = await app.host.invoke('queue:list', {});
    expect(listed.ok).toBe(true);
    expect(events.some(([e, p]) => e === 'queue:item' && p.name === 'cams?api_key=***"front')).toBe(true);
  });

  it('unknown items and channels are refused plainly', async () => {
    const { app } = hostWith([]);
    expect(await app.host.invoke('item:get', { id: 'nope' })).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringMatching(/No item with id nope/) } });
    expect(await app.host.invoke('shell:exec', {})).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
  });

  it('the drop count stops at its bound and says the figures are partial', async () => {
    const src = folderWith(30);
    fs.mkdirSync(path.join(src, 'sub'));
    fs.writeFileSync(path.join(src, 'sub', 'v.mp4'), 'vvvv');
    expect(await previewDrop([src])).toEqual({ folders: 1, files: 31, images: 30, videos: 1, bytes: 304, partial: false });
    const bounded = await previewDrop([src], { maxEntries: 10, maxMs: 2000 });
    expect(bounded.partial).toBe(true);
    expect(bounded.files).toBeLessThan(31);
  });

  it('keeps one throughput sample per second per item, the last two minutes', () => {
    let now = 0;
    const h = new ThroughputHistory(120, 1000, () => now);
    for (let i = 0; i < 500; i++) {
      h.record('a', i);
      now += 250;
    }
    const samples = h.get('a');
    expect(samples).toHaveLength(120);
    expect(samples.at(-1)).toBe(496);
    expect(samples[1]! - samples[0]!).toBe(4);
    expect(h.get('b')).toEqual([]);
  });

  it('watches through the host: the folder is checked on disk, changes arrive as events', async () => {
    const { app, events } = hostWith([]);
    const folder = tempDir('bd-watch-');
    const spec = { folder, filter: 'images', job: { workflowId: 'wf' }, outDir: tempDir('bd-watch-out-'), rule: { quietSeconds: 30, maxFiles: 100, maxMinutes: 10 }, reingestChanged: false };
    const missing = await app.host.invoke('watches:add', { ...spec, folder: path.join(folder, 'gone') });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const added = (await app.host.invoke('watches:add', spec)) as any;
    expect(added.ok, JSON.stringify(added)).toBe(true);
    expect(added.value.state).toBe('watching'); // the started state, not the manager's first "Stopped."
    expect((await app.host.invoke('watches:list', {})) as any).toMatchObject({ ok: true, value: [{ id: added.value.id }] });
    expect((await app.host.invoke('watches:pause', { id: added.value.id })) as any).toMatchObject({ ok: true, value: { state: 'paused' } });
    expect(await app.host.invoke('watches:remove', { id: added.value.id })).toEqual({ ok: true, value: null });
    expect(events.some(([e]) => e === 'watch:changed')).toBe(true);
    expect(events.some(([e, p]) => e === 'watch:removed' && p.id === added.value.id)).toBe(true);
  });
});
