// @vitest-environment jsdom
// The store applies main's events as an operator would expect: newest first, never older over newer,
// progress coalesced to one update per flush, finished items keep their final figures.

import { describe, expect, it } from 'vitest';
import { connectEvents, createAppStore } from '../../renderer/src/store/app-store';
import { emptyProgress, type ItemSummary } from '../../shared/domain';
import { createFakeApi, stagesFor } from './fake-api';

function manualStore(api = createFakeApi({ signedIn: true })) {
  const flushes: (() => void)[] = [];
  const store = createAppStore(api, { scheduleFlush: (f) => flushes.push(f), now: () => clock.t });
  const clock = { t: 1_000_000 };
  const runFlush = () => flushes.splice(0).forEach((f) => f());
  return { api, store, flushes, runFlush, clock };
}

function summary(id: string, createdAt: string, patch: Partial<ItemSummary> = {}): ItemSummary {
  return {
    id,
    name: id,
    createdAt,
    updatedAt: createdAt,
    state: 'running',
    stage: 'upload',
    stages: stagesFor('upload', 'full'),
    pipeline: 'full',
    roots: [`/data/${id}`],
    batchId: id,
    progress: emptyProgress(),
    warnings: [],
    ...patch,
  };
}

describe('queue events', () => {
  it('orders items newest first whatever order they arrive in', () => {
    const { store } = manualStore();
    const s = store.getState();
    s.applyItem(summary('b', '2026-11-29T10:00:02Z'));
    s.applyItem(summary('a', '2026-11-29T10:00:01Z'));
    s.applyItem(summary('c', '2026-11-29T10:00:03Z'));
    s.applyItem(summary('a2', '2026-11-29T10:00:01.500Z'));
    expect(store.getState().queueIds).toEqual(['c', 'b', 'a2', 'a']);
  });

  it('ignores a summary older than the one it already has', () => {
    const { store } = manualStore();
    const s = store.getState();
    s.applyItem(summary('a', '2026-11-29T10:00:00Z', { updatedAt: '2026-11-29T10:05:00Z', state: 'paused' }));
    s.applyItem(summary('a', '2026-11-29T10:00:00Z', { updatedAt: '2026-11-29T10:04:00Z', state: 'running' }));
    expect(store.getState().items.a!.state).toBe('paused');
    expect(store.getState().queueIds).toEqual(['a']);
  });

  it('keeps an item that finishes in the queue with its final state, and drops its live figures', () => {
    const { store, runFlush } = manualStore();
    const s = store.getState();
    s.applyItem(summary('a', '2026-11-29T10:00:00Z'));
    s.receiveProgress({ id: 'a', stage: 'upload', progress: { ...emptyProgress(), throughput: 5e6 } });
    runFlush();
    expect(store.getState().live.a).toBeDefined();
    s.applyItem(summary('a', '2026-11-29T10:00:00Z', { updatedAt: '2026-11-29T11:00:00Z', state: 'done', stage: 'done', stages: stagesFor('done', 'full') }));
    expect(store.getState().queueIds).toEqual(['a']);
    expect(store.getState().live.a).toBeUndefined();
    store.getState().clearFinished();
    expect(store.getState().queueIds).toEqual([]);
  });

  it('removes an item and closes its panel when main says it is gone', async () => {
    const { api, store } = manualStore();
    const item = api.fake.seedItem({ name: 'gone' });
    connectEvents(store);
    store.getState().applyItem(item);
    store.getState().openItem(item.id);
    api.fake.emit('queue:removed', { id: item.id });
    expect(store.getState().queueIds).toEqual([]);
    expect(store.getState().selectedId).toBeNull();
  });
});

describe('progress coalescing', () => {
  it('applies only the newest event per item, in one store update per flush', () => {
    const { store, flushes, runFlush } = manualStore();
    const s = store.getState();
    s.applyItem(summary('a', '2026-11-29T10:00:00Z'));
    s.applyItem(summary('b', '2026-11-29T10:00:01Z'));
    let updates = 0;
    store.subscribe(() => updates++);
    for (let i = 1; i <= 50; i++) {
      s.receiveProgress({ id: 'a', stage: 'upload', progress: { ...emptyProgress(), files: { done: i, total: 50 } } });
      s.receiveProgress({ id: 'b', stage: 'upload', progress: { ...emptyProgress(), files: { done: i * 2, total: 100 } } });
    }
    expect(flushes).toHaveLength(1); // one flush scheduled for the whole burst
    expect(updates).toBe(0);
    runFlush();
    expect(updates).toBe(1);
    expect(store.getState().live.a!.progress.files.done).toBe(50);
    expect(store.getState().live.b!.progress.files.done).toBe(100);
  });

  it('leaves other rows’ state objects untouched so their rows do not re-render', () => {
    const { store, runFlush } = manualStore();
    const s = store.getState();
    s.applyItem(summary('a', '2026-11-29T10:00:00Z'));
    s.applyItem(summary('b', '2026-11-29T10:00:01Z'));
    s.receiveProgress({ id: 'a', stage: 'upload', progress: emptyProgress() });
    s.receiveProgress({ id: 'b', stage: 'upload', progress: emptyProgress() });
    runFlush();
    const before = store.getState();
    const [liveA, liveB] = [before.live.a, before.live.b];
    s.receiveProgress({ id: 'a', stage: 'upload', progress: { ...emptyProgress(), throughput: 1 } });
    runFlush();
    const after = store.getState();
    expect(after).not.toBe(before); // subscribers are told
    expect(after.live.a).not.toBe(liveA);
    expect(after.live.a!.progress.throughput).toBe(1);
    expect(after.live.b).toBe(liveB);
    expect(after.items).toBe(before.items);
    expect(after.queueIds).toBe(before.queueIds);
  });

  it('samples throughput at most once a second for the sparkline', () => {
    const { store, runFlush, clock } = manualStore();
    const s = store.getState();
    s.applyItem(summary('a', '2026-11-29T10:00:00Z'));
    for (let i = 0; i < 30; i++) {
      s.receiveProgress({ id: 'a', stage: 'upload', progress: { ...emptyProgress(), throughput: i } });
      runFlush();
      clock.t += 100; // ten events a second, as main sends them
    }
    expect(store.getState().samples.a).toEqual([0, 10, 20]);
  });

  it('ignores late progress for an item that has already finished', () => {
    const { store, runFlush } = manualStore();
    const s = store.getState();
    s.applyItem(summary('a', '2026-11-29T10:00:00Z', { state: 'done', stage: 'done' }));
    s.receiveProgress({ id: 'a', stage: 'export', progress: emptyProgress() });
    runFlush();
    expect(store.getState().live.a).toBeUndefined();
  });
});

describe('loading', () => {
  it('shows the service’s error in plain words when the queue cannot be listed, and recovers on retry', async () => {
    const { api, store } = manualStore();
    api.fake.seedItem({ name: 'x' });
    api.fake.fail('queue:list', { code: 'network', message: 'Batch Desk is not answering.' });
    await store.getState().loadQueue();
    expect(store.getState().queueStatus).toBe('error');
    expect(store.getState().queueError!.message).toBe('Batch Desk is not answering.');
    await store.getState().loadQueue();
    expect(store.getState().queueStatus).toBe('ready');
    expect(store.getState().queueIds).toHaveLength(1);
  });

  it('starts on first run when no profile is active, and loads the queue once a key is added', async () => {
    const api = createFakeApi();
    api.fake.seedItem({ name: 'waiting' });
    const { store } = manualStore(api);
    await store.getState().init();
    expect(store.getState().firstRun).toBe(true);
    expect(store.getState().queueStatus).toBe('idle');
    const added = await store.getState().addProfile({ apiKey: 'rf_test_key_1234', storage: 'keychain' });
    expect(added.ok).toBe(true);
    expect(store.getState().profiles.find((p) => p.active)?.workspace).toBe('acme-vision');
    expect(store.getState().queueIds).toHaveLength(1);
  });

  it('reports a failed action as a notice with the item, instead of failing silently', async () => {
    const { api, store } = manualStore();
    const item = api.fake.seedItem({ name: 'x' });
    api.fake.fail('item:pause', { code: 'conflict', message: 'The item finished before it could be paused.' });
    await store.getState().itemAction('pause', item.id);
    expect(store.getState().notices.at(-1)).toMatchObject({ level: 'error', itemId: item.id, message: 'The item finished before it could be paused.' });
  });
});
