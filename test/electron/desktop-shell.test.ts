// The desktop extras, against the fake `electron` module: the machine is kept awake only while a
// transfer runs, the tray says what the queue is doing (failures since the app started), and a
// failure raises a desktop notification.
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron'));

import * as fake from './fake-electron';
import { overallState, startDesktopShell } from '../../main/electron/desktop-shell';
import type { Step } from '../../main/engine/pipeline/step';
import type { Host, HostEventListener } from '../../main/host/host';
import type { SettingsStore } from '../../main/engine/settings';
import { ApiError } from '../../main/engine/roboflow/http';
import { memoryKeychain, tempDir, testApp } from '../host/fixture';

let release!: () => void;
const gate = new Promise<void>((r) => (release = r));
const slowThenFail: Step = {
  stage: 'scan',
  run: async () => {
    await gate;
    throw new ApiError('The disk is full. Free some space, then retry.', 'io', 'scan');
  },
};
const app = testApp({ steps: [slowThenFail], env: { ROBOFLOW_API_KEY: 'shell-test-key-1', ROBOFLOW_API_URL: 'http://127.0.0.1:1' }, keychain: memoryKeychain() });

afterAll(async () => {
  await app.close();
});

// Electron holds shown notifications only weakly (the fake records them as WeakRefs), so a test
// collects garbage to see whether the glue kept one alive.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const collectGarbage = async () => {
  await new Promise((r) => setTimeout(r, 0)); // WeakRef targets live at least to the end of the job
  gc();
};

describe('desktop shell', () => {
  it('keeps the machine awake while an item runs, shows the state in the tray, and notifies a failure', async () => {
    const stop = startDesktopShell({ host: app.host, settings: app.settings, listItems: () => app.engine.list(), showWindow: () => undefined });
    expect(fake.powerSaveBlocker.active.size).toBe(0);

    const added = (await app.host.invoke('queue:add', { roots: [tempDir('bd-shell-')], pipeline: 'ingest', name: 'night run' })) as any;
    expect(added.ok, JSON.stringify(added)).toBe(true);
    await vi.waitFor(() => expect(fake.powerSaveBlocker.active.size).toBe(1));

    release();
    await app.engine.waitFor(added.value.id);
    await vi.waitFor(() => expect(fake.powerSaveBlocker.active.size).toBe(0));
    expect(fake.Notification.shown).toContainEqual({ title: 'Batch Desk — failed', body: 'night run failed: The disk is full. Free some space, then retry.' });
    expect(fake.Tray.made.at(-1)!.tooltip).toBe('Batch Desk — 1 failed');
    stop();
  });

  it('keeps a notification until it is clicked or closed, and a click shows the window', async () => {
    let emit!: HostEventListener;
    const host = { subscribe: (l: HostEventListener) => ((emit = l), () => undefined) } as unknown as Host;
    const settings = { get: () => ({ notifications: true }) } as unknown as SettingsStore;
    let windowShown = 0;
    const stop = startDesktopShell({ host, settings, listItems: () => [], showWindow: () => windowShown++ });
    const first = fake.Notification.made.length;
    emit('notice', { level: 'error', message: 'night run failed: The disk is full.' } as never);
    emit('notice', { level: 'error', message: 'day run failed: The disk is full.' } as never);
    const [clicked, closed] = fake.Notification.made.slice(first);

    // Minutes later the operator clicks it: it is still there, and the window comes up.
    await collectGarbage();
    expect(clicked!.deref(), 'the notification was collected: its click would do nothing').toBeDefined();
    clicked!.deref()!.emit('click');
    expect(windowShown).toBe(1);
    expect(closed!.deref()).toBeDefined();
    closed!.deref()!.emit('close');

    // Once clicked or closed it is let go.
    await collectGarbage();
    expect(clicked!.deref()).toBeUndefined();
    expect(closed!.deref()).toBeUndefined();
    stop();
  });

  it('sums the queue up in one line', () => {
    const s = (state: string) => ({ state, updatedAt: '2026-11-30T09:00:00.000Z' }) as never;
    expect(overallState([s('running'), s('running'), s('waiting'), s('failed'), s('done')])).toEqual({
      label: 'Batch Desk — 2 running, 1 waiting on the service, 1 failed',
      busy: true,
    });
    expect(overallState([s('done')])).toEqual({ label: 'Batch Desk — idle', busy: false });
  });

  it('counts only the failures since the app started', () => {
    const failedAt = (updatedAt: string) => ({ state: 'failed', updatedAt }) as never;
    const since = '2026-11-30T08:00:00.000Z';
    expect(overallState([failedAt('2026-11-23T21:14:05.000Z'), failedAt('2026-11-30T09:30:00.000Z')], since).label).toBe('Batch Desk — 1 failed');
    expect(overallState([failedAt('2026-11-23T21:14:05.000Z')], since).label).toBe('Batch Desk — idle');
  });
});
