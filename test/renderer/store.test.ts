// @vitest-environment jsdom
// The store applies main's events as an operator would expect: newest first, never older over newer,
// progress coalesced to one update per flush, finished items keep their final figures.

import { describe, expect, it } from 'vitest';
import { connectEvents, createAppStore } from '../../renderer/src/store/app-store';
import { emptyProgress, type ItemSummary } from '../../shared/domain';
import { packProgress } from '../../shared/progress-batch';
import { createFakeApi, stagesFor } from './fake-api';

function manualStore(api = createFakeApi({ signedIn: true }), betweenPages = () => Promise.resolve()) {
  const flushes: (() => void)[] = [];
  const store = createAppStore(api, { scheduleFlush: (f) => flushes.push(f), now: () => clock.t, betweenPages });
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

/** A store whose item 'a' reported throughputs 0, 1, 2, … (`count` events, `stepMs` apart), each flushed. */
function reportThroughputs(count: number, stepMs: number) {
  const harness = manualStore();
  const s = harness.store.getState();
  s.applyItem(summary('a', '2026-11-29T10:00:00Z'));
  for (let i = 0; i < count; i++) {
    s.receiveProgress(packProgress([{ id: 'a', stage: 'upload', progress: { ...emptyProgress(), throughput: i } }]));
    harness.runFlush();
    harness.clock.t += stepMs;
  }
  return harness;
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
    s.receiveProgress(packProgress([{ id: 'a', stage: 'upload', progress: { ...emptyProgress(), throughput: 5e6 } }]));
    runFlush();
    expect(store.getState().live.a).toBeDefined();
    s.applyItem(summary('a', '2026-11-29T10:00:00Z', { updatedAt: '2026-11-29T11:00:00Z', state: 'done', stage: 'done', stages: stagesFor('done', 'full') }));
    expect(store.getState().queueIds).toEqual(['a']);
    expect(store.getState().live.a).toBeUndefined();
    store.getState().clearFinished();
    expect(store.getState().queueIds).toEqual([]);
  });

  it('takes back a failure notice once its item is retried, and leaves other notices', () => {
    const { store } = manualStore();
    const s = store.getState();
    s.applyItem(summary('a', '2026-11-29T10:00:00Z', { state: 'failed', updatedAt: '2026-11-29T10:01:00Z' }));
    s.applyItem(summary('b', '2026-11-29T10:00:00Z', { state: 'failed', updatedAt: '2026-11-29T10:01:00Z' }));
    s.pushNotice({ level: 'error', message: 'a failed: the service refused the key', itemId: 'a' });
    s.pushNotice({ level: 'error', message: 'b failed: the disk is full', itemId: 'b' });
    s.pushNotice({ level: 'warning', message: 'No default workflow is set', itemId: 'a' });
    s.applyItem(summary('a', '2026-11-29T10:00:00Z', { state: 'queued', updatedAt: '2026-11-29T10:02:00Z' }));
    expect(store.getState().notices.map((n) => n.message)).toEqual(['b failed: the disk is full', 'No default workflow is set']);
  });

  it('takes back the advice to start processing once the item has a job', () => {
    const { store } = manualStore();
    const s = store.getState();
    s.applyItem(summary('a', '2026-11-29T10:00:00Z', { pipeline: 'ingest' }));
    s.pushNotice({ level: 'warning', message: 'No default workflow is set', itemId: 'a', untilJob: true });
    s.pushNotice({ level: 'info', message: 'a is done.', itemId: 'a' });
    s.applyItem(summary('a', '2026-11-29T10:00:00Z', { state: 'done', updatedAt: '2026-11-29T10:01:00Z' }));
    expect(store.getState().notices).toHaveLength(2);
    s.applyItem(summary('a', '2026-11-29T10:00:00Z', { stage: 'processing', jobId: 'job-1', updatedAt: '2026-11-29T10:02:00Z' }));
    expect(store.getState().notices.map((n) => n.message)).toEqual(['a is done.']);
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
      s.receiveProgress(packProgress([{ id: 'a', stage: 'upload', progress: { ...emptyProgress(), files: { done: i, total: 50 } } }]));
      s.receiveProgress(packProgress([{ id: 'b', stage: 'upload', progress: { ...emptyProgress(), files: { done: i * 2, total: 100 } } }]));
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
    s.receiveProgress(packProgress([{ id: 'a', stage: 'upload', progress: emptyProgress() }]));
    s.receiveProgress(packProgress([{ id: 'b', stage: 'upload', progress: emptyProgress() }]));
    runFlush();
    const before = store.getState();
    const [liveA, liveB] = [before.live.a, before.live.b];
    s.receiveProgress(packProgress([{ id: 'a', stage: 'upload', progress: { ...emptyProgress(), throughput: 1 } }]));
    runFlush();
    const after = store.getState();
    expect(after).not.toBe(before); // subscribers are told
    expect(after.live.a).not.toBe(liveA);
    expect(after.live.a!.progress.throughput).toBe(1);
    expect(after.live.b).toBe(liveB);
    expect(after.items).toBe(before.items);
    expect(after.queueIds).toBe(before.queueIds);
  });

  it('samples throughput once a second for the sparkline', () => {
    const { store } = reportThroughputs(30, 100); // flushed ten times a second
    // The first sample at once, then one a second (a quarter second early at most: the first one).
    expect(store.getState().samples.a).toEqual([0, 8, 18, 28]);
  });

  it('keeps one sample a second for an item off screen, whose figures come once a second, early or late', () => {
    const { store, runFlush, clock } = manualStore();
    const s = store.getState();
    s.applyItem(summary('a', '2026-11-29T10:00:00Z'));
    const start = clock.t;
    for (const [at, throughput] of [[0, 1], [990, 2], [2010, 3], [2980, 4], [4000, 5], [4990, 6]] as const) {
      clock.t = start + at;
      s.receiveProgress(packProgress([{ id: 'a', stage: 'upload', progress: { ...emptyProgress(), throughput } }]));
      runFlush();
    }
    expect(store.getState().samples.a).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('keeps the last 90 samples, oldest first, a new array only when a sample was added', () => {
    const { store, runFlush, clock } = reportThroughputs(100, 1000);
    const s = store.getState();
    const line = store.getState().samples.a!;
    expect(line).toEqual(Array.from({ length: 90 }, (_, i) => i + 10));
    s.receiveProgress(packProgress([{ id: 'a', stage: 'upload', progress: { ...emptyProgress(), throughput: 7 } }]));
    clock.t -= 500; // within the second: no new sample
    runFlush();
    expect(store.getState().samples.a).toBe(line);
  });

  it("shows main's sparkline for a row that comes into view, then samples on from there a second later", () => {
    const { store, runFlush, clock } = manualStore();
    const s = store.getState();
    s.applyItem(summary('a', '2026-11-29T10:00:00Z', { progress: { ...emptyProgress(), throughput: 3 } }));
    // Main kept sampling while the row was off screen: 120 samples, of which the sparkline shows 90.
    const kept = Array.from({ length: 120 }, (_, i) => i);
    s.receiveProgress({ ids: [], rows: [], whole: [], histories: [{ id: 'a', samples: kept }] });
    runFlush();
    expect(store.getState().samples.a).toEqual(kept.slice(-90));
    expect(store.getState().live.a).toBeUndefined(); // no figures came: the row keeps its summary's

    const start = clock.t;
    for (const [at, throughput] of [[0, 500], [200, 501], [1000, 502]] as const) {
      clock.t = start + at;
      s.receiveProgress(packProgress([{ id: 'a', stage: 'upload', progress: { ...emptyProgress(), throughput } }]));
      runFlush();
    }
    expect(store.getState().live.a!.progress.throughput).toBe(502);
    expect(store.getState().samples.a).toEqual([...kept.slice(-89), 502]);
  });

  it('ignores late progress for an item that has already finished', () => {
    const { store, runFlush } = manualStore();
    const s = store.getState();
    s.applyItem(summary('a', '2026-11-29T10:00:00Z', { state: 'done', stage: 'done' }));
    s.receiveProgress(packProgress([{ id: 'a', stage: 'export', progress: emptyProgress() }]));
    runFlush();
    expect(store.getState().live.a).toBeUndefined();
  });

  it('ignores late progress for an item the history listed as finished, and takes it again once retried', async () => {
    const api = createFakeApi({ signedIn: true });
    api.fake.seedItem({ id: 'a', name: 'a', state: 'failed', stage: 'upload' });
    const { store, runFlush } = manualStore(api);
    await store.getState().loadHistory();
    expect(store.getState().items.a!.state).toBe('failed');
    store.getState().receiveProgress(packProgress([{ id: 'a', stage: 'upload', progress: { ...emptyProgress(), throughput: 1 } }]));
    runFlush();
    expect(store.getState().live.a).toBeUndefined();

    const failed = store.getState().items.a!;
    store.getState().applyItem({ ...failed, state: 'running', updatedAt: new Date(Date.parse(failed.updatedAt) + 1000).toISOString() });
    store.getState().receiveProgress(packProgress([{ id: 'a', stage: 'upload', progress: { ...emptyProgress(), throughput: 2 } }]));
    runFlush();
    expect(store.getState().live.a?.progress.throughput).toBe(2);
  });
});

describe('paged queue loading', () => {
  /** Seeds n running items (newest last) and returns their ids newest first. */
  function seed(api: ReturnType<typeof createFakeApi>, n: number): string[] {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(api.fake.seedItem({ name: `f${i}` }).id);
    return ids.reverse();
  }

  /** Holds each `queue:list` answer until released, so a test can act while a page is on its way. */
  function gatePages(api: ReturnType<typeof createFakeApi>) {
    const real = api['queue:list'];
    const waiting: { answer: Awaited<ReturnType<typeof real>>; release: () => void }[] = [];
    api['queue:list'] = async (args) => {
      const answer = await real(args); // read now, as main would read it
      await new Promise<void>((release) => waiting.push({ answer, release }));
      return answer;
    };
    const next = async () => {
      for (let i = 0; i < 50 && waiting.length === 0; i++) await Promise.resolve();
      const page = waiting.shift();
      if (!page) throw new Error('no queue:list page is waiting');
      return page;
    };
    return { next };
  }

  it('loads the queue in pages, newest first, showing the first page before the rest arrive', async () => {
    const { api, store } = manualStore();
    const ids = seed(api, 620);
    const gate = gatePages(api);
    const loaded = store.getState().loadQueue();
    const first = await gate.next();
    expect(first.answer.ok && first.answer.value.items).toHaveLength(250);
    first.release();
    await (await gate.next().then((p) => (expect(store.getState().queueIds).toEqual(ids.slice(0, 250)), p))).release();
    (await gate.next()).release();
    await loaded;
    expect(store.getState().queueIds).toEqual(ids);
    expect(store.getState().queueStatus).toBe('ready');
    const calls = api.fake.calls.filter((c) => c.channel === 'queue:list').map((c) => c.args as { after?: { id: string } });
    expect(calls.map((c) => c.after?.id)).toEqual([undefined, ids[249], ids[499]]);
  });

  it('asks for each page after the first only once the pause between pages is over', async () => {
    const pauses: (() => void)[] = [];
    const { api, store } = manualStore(undefined, () => new Promise<void>((resume) => pauses.push(resume)));
    const ids = seed(api, 520);
    const loaded = store.getState().loadQueue();
    const listCalls = () => api.fake.calls.filter((c) => c.channel === 'queue:list').length;
    const settle = async () => {
      for (let i = 0; i < 20; i++) await Promise.resolve();
    };
    await settle();
    expect(listCalls()).toBe(1);
    expect(store.getState().queueIds).toEqual(ids.slice(0, 250)); // the first page shows at once
    expect(pauses).toHaveLength(1);
    pauses.shift()!();
    await settle();
    expect(listCalls()).toBe(2);
    expect(store.getState().queueIds).toHaveLength(500);
    expect(store.getState().queueStatus).toBe('loading');
    pauses.shift()!();
    await loaded;
    expect(listCalls()).toBe(3);
    expect(store.getState().queueIds).toEqual(ids);
    expect(store.getState().queueStatus).toBe('ready');
    expect(pauses).toHaveLength(0); // no pause after the last page
  });

  it('never lets a page that was read before an event undo it: removed stays removed, newer state wins, new items keep their place', async () => {
    const { api, store, runFlush } = manualStore();
    connectEvents(store);
    const ids = seed(api, 600);
    const gate = gatePages(api);
    const loaded = store.getState().loadQueue();
    (await gate.next()).release();
    // The second page is read by main, then these events overtake its answer.
    const second = await gate.next();
    const removed = ids[300]!;
    const paused = ids[301]!;
    const later = ids[550]!; // on the third page, not read yet
    api.fake.items.delete(removed);
    api.fake.emit('queue:removed', { id: removed });
    const pausedNow = { ...api.fake.items.get(paused)!, state: 'paused' as const, updatedAt: new Date(Date.now() + 60_000).toISOString() };
    api.fake.items.set(paused, pausedNow);
    api.fake.emit('queue:item', pausedNow);
    const laterNow = { ...api.fake.items.get(later)!, state: 'failed' as const, updatedAt: new Date(Date.now() + 60_000).toISOString() };
    api.fake.emit('queue:item', laterNow);
    api.fake.emit('item:progress', packProgress([{ id: later, stage: 'upload', progress: { ...emptyProgress(), throughput: 7 } }]));
    api.fake.emit('item:progress', packProgress([{ id: ids[599]!, stage: 'upload', progress: { ...emptyProgress(), throughput: 9 } }]));
    const added = api.fake.seedItem({ name: 'added-meanwhile' });
    api.fake.emit('queue:item', added);
    second.release();
    // The third page was read before `later` changed (its answer still says running).
    const third = await gate.next();
    third.release();
    await loaded;
    runFlush();

    const state = store.getState();
    expect(state.items[removed]).toBeUndefined();
    expect(state.queueIds).not.toContain(removed);
    expect(state.items[paused]!.state).toBe('paused');
    expect(state.items[later]!.state).toBe('failed');
    expect(state.live[later]).toBeUndefined(); // it finished: its final figures are the summary's
    expect(state.live[ids[599]!]!.progress.throughput).toBe(9); // progress before its page is kept
    expect(state.queueIds).toEqual([added.id, ...ids.filter((id) => id !== removed)]);
    expect(new Set(state.queueIds).size).toBe(state.queueIds.length);
    expect(state.queueStatus).toBe('ready');
  });

  it('a newer load (after the event stream reconnects) takes over, and drops what main no longer lists', async () => {
    const { api, store } = manualStore();
    const ids = seed(api, 300);
    await store.getState().loadQueue();
    expect(store.getState().queueIds).toHaveLength(300);
    // Meanwhile (events missed) one item was removed and another finished and was cleared in main.
    api.fake.items.delete(ids[10]!);
    const gate = gatePages(api);
    const stale = store.getState().loadQueue();
    const stalePage = await gate.next();
    const fresh = store.getState().loadQueue();
    stalePage.release();
    (await gate.next()).release();
    (await gate.next()).release();
    await Promise.all([stale, fresh]);
    expect(store.getState().queueIds).toEqual(ids.filter((id) => id !== ids[10]));
    expect(api.fake.calls.filter((c) => c.channel === 'queue:list')).toHaveLength(2 + 3);
  });

  it('an item that finished while the event stream was down stays in the queue, finished', async () => {
    const { api, store } = manualStore();
    const ids = seed(api, 3);
    await store.getState().loadQueue();
    // main finished it meanwhile; the event was missed
    const item = api.fake.items.get(ids[1]!)!;
    api.fake.items.set(ids[1]!, { ...item, state: 'done', stage: 'done', updatedAt: new Date(Date.parse(item.updatedAt) + 1000).toISOString() });
    await store.getState().loadQueue();
    expect(store.getState().queueIds).toEqual(ids);
    expect(store.getState().items[ids[1]!]!.state).toBe('done');
  });

  it('shows an error when a later page fails, keeps what it has, and a retry completes the list', async () => {
    const { api, store } = manualStore();
    const ids = seed(api, 400);
    const real = api['queue:list'];
    let n = 0;
    api['queue:list'] = async (args) => (++n === 2 ? { ok: false, error: { code: 'network', message: 'Batch Desk is not answering.' } } : real(args));
    await store.getState().loadQueue();
    expect(store.getState().queueStatus).toBe('error');
    expect(store.getState().queueIds).toEqual(ids.slice(0, 250));
    await store.getState().loadQueue();
    expect(store.getState().queueStatus).toBe('ready');
    expect(store.getState().queueIds).toEqual(ids);
  });

  it('merging a page touches only that page: other rows keep their objects', async () => {
    const { api, store } = manualStore();
    seed(api, 300);
    const gate = gatePages(api);
    const loaded = store.getState().loadQueue();
    (await gate.next()).release();
    await Promise.resolve();
    const before = store.getState();
    const firstRow = before.items[before.queueIds[0]!];
    (await gate.next()).release();
    await loaded;
    expect(store.getState().items[before.queueIds[0]!]).toBe(firstRow);
    expect(store.getState().itemsVersion).toBeGreaterThan(before.itemsVersion);
  });
});

describe('queue counts', () => {
  it('are kept as items come, change, finish, go and are cleared, always equal to counting them', async () => {
    const { api, store } = manualStore();
    connectEvents(store);
    const seeded = Array.from({ length: 40 }, (_, i) => api.fake.seedItem({ name: `c${i}`, state: i % 5 === 0 ? 'paused' : 'running' }));
    const truth = () => {
      const { queueIds, items } = store.getState();
      const states = queueIds.map((id) => items[id]!.state);
      return {
        busy: states.filter((st) => st === 'running' || st === 'waiting' || st === 'queued').length,
        finished: states.filter((st) => st === 'done' || st === 'failed' || st === 'cancelled').length,
      };
    };
    const check = () => expect({ busy: store.getState().queueBusy, finished: store.getState().queueFinished }).toEqual(truth());
    await store.getState().loadQueue();
    check();
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const states = ['queued', 'running', 'waiting', 'paused', 'done', 'failed', 'cancelled'] as const;
    for (let step = 0; step < 300; step++) {
      const item = seeded[rand(seeded.length)]!;
      const current = store.getState().items[item.id] ?? api.fake.items.get(item.id) ?? item;
      const roll = rand(10);
      if (roll < 6) {
        api.fake.emit('queue:item', { ...current, state: states[rand(states.length)]!, updatedAt: new Date(Date.parse(current.updatedAt) + 1000).toISOString() });
      } else if (roll < 7) {
        api.fake.emit('queue:removed', { id: item.id });
      } else if (roll < 8) {
        store.getState().clearFinished();
      } else if (roll < 9) {
        await store.getState().loadHistory();
      } else {
        api.fake.emit('queue:item', { ...current, updatedAt: new Date(Date.parse(current.updatedAt) - 1000).toISOString(), state: 'done' }); // stale: ignored
      }
      check();
    }
    await store.getState().loadQueue();
    check();
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
