// @vitest-environment jsdom
// The console as a whole over the fake API: first run, adding a folder by path, and errors shown in
// plain words with the next step and the details behind a disclosure.

import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { validateArgs } from '../../main/host/validate';
import { App } from '../../renderer/src/App';
import type { ItemSummary } from '../../shared/domain';
import { createFakeApi } from './fake-api';
import { renderConsole, renderWithStore } from './render-helpers';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe('first run', () => {
  it('takes a key, shows the workspace it belongs to, then opens the queue', async () => {
    const { api } = await renderConsole({});
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Roboflow API key'), 'rf_test_key_1234');
    await user.click(screen.getByRole('button', { name: 'Connect' }));
    const status = await screen.findByRole('status');
    expect(status.textContent).toContain('Connected to workspace acme-vision');
    expect(status.textContent).toContain('••••••••1234');
    expect(status.textContent).not.toContain('rf_test_key_1234');
    expect(api.fake.calls.find((c) => c.channel === 'profiles:add')!.args).toEqual({ apiKey: 'rf_test_key_1234', apiUrl: 'https://api.roboflow.com', storage: 'keychain' });
    await user.click(screen.getByRole('button', { name: 'Open the queue' }));
    expect(screen.getByRole('heading', { name: 'Queue' })).toBeTruthy();
    expect(screen.getByText('Drop folders here')).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'Screens' }).textContent).toContain('acme-vision');
  });

  it('says plainly when the service refuses the key, with the details behind a disclosure', async () => {
    await renderConsole({});
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Roboflow API key'), 'wrong-key');
    await user.click(screen.getByRole('button', { name: 'Connect' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The service refused the key (401).');
    const details = within(alert).getByText('Details').closest('details')!;
    expect(details.open).toBe(false);
    expect(details.textContent).toContain('code: unauthorized');
    expect(screen.getByRole('heading', { name: 'Batch Desk' })).toBeTruthy(); // still on first run
  });

  it('without a keychain, explains why and keeps the key in memory only when the operator agrees', async () => {
    const { api } = await renderConsole({ keychain: { available: false, message: 'No keychain answers on this machine.' } });
    const user = userEvent.setup();
    expect(screen.getByText('No keychain answers on this machine.')).toBeTruthy();
    await user.type(screen.getByLabelText('Roboflow API key'), 'rf_test_key_1234');
    const connect = screen.getByRole('button', { name: 'Connect' }) as HTMLButtonElement;
    expect(connect.disabled).toBe(true);
    await user.click(screen.getByLabelText('Keep the key in memory for this session only'));
    expect(connect.disabled).toBe(false);
    await user.click(connect);
    await screen.findByText(/Connected to workspace/);
    expect(api.fake.calls.find((c) => c.channel === 'profiles:add')!.args).toMatchObject({ storage: 'memory' });
    expect(screen.getByText('The key is kept in memory until Batch Desk stops.')).toBeTruthy();
  });

  it("offers Settings' regions, starting from Settings' address, and checks the key against the one chosen", async () => {
    const { api } = await renderConsole({});
    const user = userEvent.setup();
    const region = screen.getByRole('radiogroup', { name: 'Region' });
    expect(within(region).getByRole('radio', { name: 'United States' }).getAttribute('aria-checked')).toBe('true');
    expect(screen.queryByLabelText('API address')).toBeNull(); // a region needs no address typed
    await user.click(within(region).getByRole('radio', { name: 'Europe' }));
    await user.type(screen.getByLabelText('Roboflow API key'), 'rf_test_key_1234');
    await user.click(screen.getByRole('button', { name: 'Connect' }));
    await screen.findByText(/Connected to workspace/);
    const args = api.fake.calls.find((c) => c.channel === 'profiles:add')!.args;
    expect(args).toMatchObject({ apiUrl: 'https://api.roboflow.eu' });
    expect(() => validateArgs('profiles:add', args)).not.toThrow();
    // The profile keeps that address: Settings › Profiles shows it.
    await user.click(screen.getByRole('button', { name: 'Open the queue' }));
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    expect(screen.getByText('https://api.roboflow.eu', { selector: '.profile *' })).toBeTruthy();
    // And it is the region for profiles added later.
    expect(screen.getByRole('radio', { name: 'Europe' }).getAttribute('aria-checked')).toBe('true');
    expect(api.fake.settings.apiUrl).toBe('https://api.roboflow.eu');
  });

  it('takes a custom address, checked as Settings checks it', async () => {
    const { api } = await renderConsole({}, (a) => {
      a.fake.settings.apiUrl = 'https://api.roboflow.eu';
    });
    const user = userEvent.setup();
    expect(screen.getByRole('radio', { name: 'Europe' }).getAttribute('aria-checked')).toBe('true');
    await user.click(screen.getByRole('radio', { name: 'Custom' }));
    const address = screen.getByLabelText('API address');
    await user.type(screen.getByLabelText('Roboflow API key'), 'rf_test_key_1234');
    await user.clear(address);
    await user.type(address, 'ftp://rf.internal.example');
    expect(screen.getByText('The API address starts with https://.')).toBeTruthy();
    const connect = screen.getByRole('button', { name: 'Connect' }) as HTMLButtonElement;
    expect(connect.disabled).toBe(true);
    await user.clear(address);
    // Custom stays chosen (and the field open) even while the address typed passes through a region's.
    await user.type(address, 'https://api.roboflow.eu.internal.example/');
    expect(screen.getByRole('radio', { name: 'Custom' }).getAttribute('aria-checked')).toBe('true');
    expect(connect.disabled).toBe(false);
    await user.click(connect);
    await screen.findByText(/Connected to workspace/);
    const args = api.fake.calls.find((c) => c.channel === 'profiles:add')!.args;
    expect(args).toMatchObject({ apiUrl: 'https://api.roboflow.eu.internal.example' });
    expect(() => validateArgs('profiles:add', args)).not.toThrow();
  });

  it('offers the offline demo only when one is available', async () => {
    await renderConsole({ demoAvailable: false });
    expect(screen.queryByRole('button', { name: 'Try the offline demo' })).toBeNull();
    cleanup();
    await renderConsole({ demoAvailable: true });
    await userEvent.setup().click(screen.getByRole('button', { name: 'Try the offline demo' }));
    expect((await screen.findByRole('status')).textContent).toContain('demo-workspace');
  });
});

describe('adding a folder', () => {
  it('in a browser, asks for the path, counts it, and adds an item running the whole pipeline', async () => {
    const { api } = await renderConsole({ signedIn: true, mode: 'web' });
    const user = userEvent.setup();
    await user.click(screen.getAllByRole('button', { name: 'Add folder' })[0]!);
    expect(api.fake.calls.some((c) => c.channel === 'dialog:pick-folder')).toBe(false);
    await user.type(screen.getByLabelText('Folder path on the machine running Batch Desk'), '/data/site-a');
    expect(await screen.findByText('1 folder · 12,408 images · 1.9 GB → new item')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Add to queue' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const added = api.fake.calls.find((c) => c.channel === 'queue:add')!.args as { outDir: string };
    expect(added).toEqual({ roots: ['/data/site-a'], pipeline: 'full', job: { workflowId: 'detect-and-count' }, outDir: added.outDir });
    // Its own folder under the default output folder, so two drops never share results.
    expect(added.outDir).toMatch(/^\/data\/results\/site-a-\d{8}-\d{6}$/);
    expect(screen.getByRole('grid', { name: 'Queue' }).textContent).toContain('site-a');
  });

  it('says the item is ingest only when no workflow is set', async () => {
    const { api } = await renderConsole({ signedIn: true, mode: 'web' }, (a) => {
      a.fake.settings.defaultJob = {};
    });
    const user = userEvent.setup();
    await user.click(screen.getAllByRole('button', { name: 'Add folder' })[0]!);
    await user.type(screen.getByLabelText('Folder path on the machine running Batch Desk'), '/data/site-b');
    await user.click(screen.getByRole('button', { name: 'Add to queue' }));
    expect(await screen.findByText(/No default workflow is set, so this item is ingested only/)).toBeTruthy();
    expect(api.fake.calls.find((c) => c.channel === 'queue:add')!.args).toEqual({ roots: ['/data/site-b'], pipeline: 'ingest' });
  });

  it('shows why a path cannot be added and does not add it', async () => {
    const { api } = await renderConsole({ signedIn: true, mode: 'web' });
    const user = userEvent.setup();
    await user.click(screen.getAllByRole('button', { name: 'Add folder' })[0]!);
    await user.type(screen.getByLabelText('Folder path on the machine running Batch Desk'), '/data/missing');
    expect((await screen.findByRole('alert')).textContent).toContain('There is no folder at /data/missing.');
    expect((screen.getByRole('button', { name: 'Add to queue' }) as HTMLButtonElement).disabled).toBe(true);
    expect(api.fake.calls.some((c) => c.channel === 'queue:add')).toBe(false);
  });
});

describe('dropping folders', () => {
  it('says a drop was not added, and why, when main refuses it', async () => {
    const { api } = await renderConsole({ signedIn: true, mode: 'desktop' });
    const drop = (name: string) => {
      const dataTransfer = { types: ['Files'], files: [{ name }], items: [{}] };
      fireEvent.dragEnter(window, { dataTransfer });
      fireEvent.drop(window, { dataTransfer });
    };
    drop('site-ok');
    expect(await screen.findByText('Added to the queue; scanning in the background.')).toBeTruthy();
    api.fake.fail('queue:add', { code: 'no-profile', message: 'Add an API key in Settings first.' });
    drop('site-refused');
    const overlay = (await screen.findByText('Not added to the queue')).closest('.drop-overlay')!;
    expect(overlay.textContent).toContain('Add an API key in Settings first.');
    expect(overlay.textContent).not.toContain('Added to the queue');
  });
});

describe('errors', () => {
  it('shows a queue that cannot load as a readable error with a retry that works', async () => {
    const { store } = await renderConsole({ signedIn: true }, (a) => {
      a.fake.seedItem({ name: 'site-c' });
      a.fake.fail('queue:list', { code: 'network', message: 'Batch Desk is not answering. Check that it is still running, then reload.', detail: 'ECONNREFUSED 127.0.0.1:4310' });
    });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Batch Desk is not answering.');
    expect(alert.textContent).not.toMatch(/at \w+ \(/); // no stack trace
    await userEvent.setup().click(within(alert).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(store.getState().queueStatus).toBe('ready'));
    expect(screen.getByRole('grid', { name: 'Queue' }).textContent).toContain('site-c');
  });

  it('shows notices from main and lets the operator jump to the item', async () => {
    const { api, store } = await renderConsole({ signedIn: true }, (a) => {
      a.fake.seedItem({ name: 'site-d', id: 'item-d' });
    });
    await act(async () => api.fake.emit('notice', { level: 'error', message: 'Upload of “site-d” failed: disk full.', itemId: 'item-d' }));
    expect(screen.getByText('Upload of “site-d” failed: disk full.')).toBeTruthy();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Show item' }));
    expect(store.getState().selectedId).toBe('item-d');
    expect(await screen.findByRole('complementary', { name: 'Item site-d' })).toBeTruthy();
  });

  it("a notice's Show item works from the Watches screen too: it goes to the queue and opens the item", async () => {
    const { api, store } = await renderConsole({ signedIn: true }, (a) => {
      a.fake.seedItem({ name: 'site-g', id: 'item-g' });
    });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Watches' }));
    await act(async () => api.fake.emit('notice', { level: 'error', message: 'Upload of “site-g” failed.', itemId: 'item-g' }));
    await user.click(screen.getByRole('button', { name: 'Show item' }));
    expect(store.getState().route).toBe('queue');
    expect(await screen.findByRole('complementary', { name: 'Item site-g' })).toBeTruthy();
  });
});

describe('the keyboard', () => {
  it('Escape in the job form keeps the form and what was typed; elsewhere it closes the item', async () => {
    const { store } = await renderConsole({ signedIn: true }, (a) => {
      a.fake.seedItem({ name: 'site-h', id: 'item-h', pipeline: 'ingest', stage: 'done', state: 'done' });
    });
    act(() => store.getState().openItem('item-h'));
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Start processing…' }));
    await user.type(screen.getByLabelText('Job id'), 'night-run');
    await user.keyboard('{Escape}');
    expect(screen.getByRole('complementary', { name: 'Item site-h' })).toBeTruthy();
    expect(screen.getByLabelText('Job id')).toHaveProperty('value', 'night-run');
    (document.activeElement as HTMLElement).blur();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('complementary', { name: 'Item site-h' })).toBeNull();
  });

  it('closing the item panel hands keyboard focus back to the item\'s row', async () => {
    await renderConsole({ signedIn: true }, (a) => {
      a.fake.seedItem({ name: 'site-i', id: 'item-i', stage: 'upload', state: 'running' });
    });
    const user = userEvent.setup();
    const row = await waitFor(() => screen.getAllByRole('row').find((r) => r.textContent?.includes('site-i')) ?? Promise.reject(new Error('no row')));
    row.focus();
    await user.keyboard('{Enter}');
    const panel = await screen.findByRole('complementary', { name: 'Item site-i' });
    await user.click(within(panel).getByRole('button', { name: 'Close item panel' }));
    expect(screen.queryByRole('complementary', { name: 'Item site-i' })).toBeNull();
    expect(document.activeElement).toBe(screen.getAllByRole('row').find((r) => r.textContent?.includes('site-i')));
  });


  it('retries a failed row with R, but restarts a job that failed on the service only once confirmed', async () => {
    const seeded: ItemSummary[] = [];
    const { api, store } = await renderConsole({ signedIn: true }, (a) => {
      seeded.push(a.fake.seedItem({ name: 'site-e', id: 'item-e', stage: 'upload', state: 'running' }));
      seeded.push(a.fake.seedItem({ name: 'site-f', id: 'item-f', stage: 'processing', state: 'running', jobId: 'job-9' }));
    });
    // Both fail while the console is open (failed items are listed in History, not the queue).
    const [uploadFailed, jobFailed] = seeded as [ItemSummary, ItemSummary];
    const later = (item: ItemSummary) => new Date(Date.parse(item.updatedAt) + 1000).toISOString();
    act(() => {
      store.getState().applyItem({ ...uploadFailed, updatedAt: later(uploadFailed), state: 'failed', error: { code: 'network', message: 'The service could not be reached.' } });
      store.getState().applyItem({ ...jobFailed, updatedAt: later(jobFailed), state: 'failed', error: { code: 'remote', message: 'Job job-9 failed.', failedJobId: 'job-9' } });
    });
    const retries = () => api.fake.calls.filter((c) => c.channel === 'item:retry').map((c) => (c.args as { id: string }).id);
    const confirm = vi.spyOn(window, 'confirm').mockReturnValue(false);
    const user = userEvent.setup();
    // rows come into the page over the next frames
    const row = (name: string) => waitFor(() => screen.getAllByRole('row').find((r) => r.textContent?.includes(name)) ?? Promise.reject(new Error(`no row ${name}`)));
    (await row('site-e')).focus();
    await user.keyboard('r');
    expect(retries()).toEqual(['item-e']);
    (await row('site-f')).focus();
    await user.keyboard('r');
    expect(confirm.mock.calls).toEqual([['Restart job job-9 of “site-f” on Roboflow? It runs again and uses compute again.']]);
    expect(retries()).toEqual(['item-e']);
  });

  it('leaves keys pressed with Ctrl, ⌘ or Alt to the browser: Ctrl+R on a failed row does not retry it', async () => {
    let seeded!: ItemSummary;
    const { api, store } = await renderConsole({ signedIn: true }, (a) => {
      seeded = a.fake.seedItem({ name: 'site-m', id: 'item-m', stage: 'upload', state: 'running' });
    });
    act(() => store.getState().applyItem({ ...seeded, updatedAt: new Date(Date.parse(seeded.updatedAt) + 1000).toISOString(), state: 'failed', error: { code: 'network', message: 'The service could not be reached.' } }));
    const user = userEvent.setup();
    const row = await waitFor(() => screen.getAllByRole('row').find((r) => r.textContent?.includes('site-m')) ?? Promise.reject(new Error('no row')));
    row.focus();
    for (const chord of ['{Control>}r{/Control}', '{Meta>}r{/Meta}', '{Alt>}r{/Alt}', '{Control>}{Enter}{/Control}']) await user.keyboard(chord);
    expect(api.fake.calls.some((c) => c.channel === 'item:retry')).toBe(false);
    expect(within(row).getByText('Failed')).toBeTruthy();
    expect(screen.queryByRole('complementary', { name: 'Item site-m' })).toBeNull();
  });
});

describe('a long queue', () => {
  it('says it is still loading while the pages after the first arrive, and counts active items with separators', async () => {
    const api = createFakeApi({ signedIn: true });
    for (let i = 0; i < 1200; i++) api.fake.seedItem({ name: `cam-${i}` });
    const { store } = renderWithStore(<App />, api);
    const started = store.getState().init(); // resolves once the whole queue is listed
    const header = () => screen.getByRole('heading', { name: 'Queue' }).parentElement!.textContent;
    await waitFor(() => expect(header()).toContain('250 items · loading…'));
    await act(() => started);
    expect(header()).toContain('1,200 items');
    expect(header()).not.toContain('loading');
    expect(screen.getByRole('navigation', { name: 'Screens' }).textContent).toContain('1,200');
  });
});
