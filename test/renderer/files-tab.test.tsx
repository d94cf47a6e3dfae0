// @vitest-environment jsdom
// The Files tab follows its item while it runs (rows read again in place, no loading flash, the
// scroll kept), and a page that fails to load is asked for again only on Retry or as the item moves.

import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FilesTab } from '../../renderer/src/detail/FilesTab';
import { useApp } from '../../renderer/src/store/store-context';
import { emptyProgress, type ItemSummary } from '../../shared/domain';
import { packProgress } from '../../shared/progress-batch';
import { createFakeApi, stagesFor, type FakeApi } from './fake-api';
import { renderReady } from './render-helpers';

afterEach(cleanup);

/** The tab as the item panel shows it: for the item as the store has it now. */
function Files({ id }: { id: string }) {
  const item = useApp((s) => s.items[id]);
  return item ? <FilesTab item={item} /> : null;
}

async function open(patch: Partial<ItemSummary> & { name: string }) {
  const api = createFakeApi({ signedIn: true });
  const item = api.fake.seedItem(patch);
  const result = await renderReady(<Files id={item.id} />, api);
  await waitFor(() => expect(result.store.getState().items[item.id]).toBeTruthy());
  return { ...result, item };
}

/** Main changes the item (a stage, a state, its figures) and says so, as the host does. */
function change(api: FakeApi, id: string, patch: Partial<ItemSummary>) {
  const current = api.fake.items.get(id)!;
  const next = { ...current, ...patch, updatedAt: new Date(Date.parse(current.updatedAt) + 1000).toISOString() };
  api.fake.items.set(id, next);
  act(() => api.fake.emit('queue:item', next));
}

const offsetsAsked = (api: FakeApi) => api.fake.calls.filter((c) => c.channel === 'item:files').map((c) => (c.args as { offset: number }).offset);

describe('files tab', () => {
  it('fills in once the scan has planned files, without a click on refresh', async () => {
    const { api, item } = await open({ name: 'just-dropped', stage: 'scan', state: 'running' });
    expect(await screen.findByText('No files planned yet; the scan fills this list.')).toBeTruthy();
    change(api, item.id, { stage: 'upload', stages: stagesFor('upload', 'full'), progress: { ...emptyProgress(), files: { done: 0, total: 400 }, bytes: { done: 0, total: 8e7 } } });
    expect(await screen.findByText('400 files')).toBeTruthy();
    expect(screen.getAllByRole('listitem')[0]!.textContent).toContain('frame-0000000.jpg');
  });

  it('updates file states as the upload goes, keeping the scroll and never showing "Loading" again', async () => {
    const { api, item } = await open({ name: 'uploading', stage: 'upload', state: 'running', progress: { ...emptyProgress(), files: { done: 0, total: 400 }, bytes: { done: 0, total: 8e7 } } });
    const list = await screen.findByRole('list', { name: 'Files' });
    await waitFor(() => expect(within(list).getAllByText('planned').length).toBeGreaterThan(0));
    list.scrollTop = 60;
    fireEvent.scroll(list);
    // Progress only (no new stage): followed within a couple of seconds.
    const progress = { ...emptyProgress(), files: { done: 400, total: 400 }, bytes: { done: 8e7, total: 8e7 } };
    api.fake.items.set(item.id, { ...api.fake.items.get(item.id)!, progress });
    await act(async () => {
      api.fake.emit('item:progress', packProgress([{ id: item.id, stage: 'upload', progress }]));
      await Promise.resolve();
    });
    await waitFor(() => expect(within(list).queryAllByText('planned')).toHaveLength(0), { timeout: 3500 });
    expect(within(list).getAllByText('uploaded').length).toBeGreaterThan(0);
    expect(screen.getByRole('list', { name: 'Files' })).toBe(list); // the same list, scrolled where it was
    expect(list.scrollTop).toBe(60);
    expect(screen.queryByText('Loading files…')).toBeNull();
  });

  it('asks for a page that failed once, shows why, and asks again only on Retry', async () => {
    const { api } = await open({ name: 'huge', stage: 'indexing', state: 'waiting', progress: { ...emptyProgress(), files: { done: 1_000_000, total: 1_000_000 } } });
    const list = await screen.findByRole('list', { name: 'Files' });
    await waitFor(() => expect(within(list).getAllByText('frame-0000000.jpg')).toHaveLength(1));
    api.fake.fail('item:files', { code: 'network', message: 'Batch Desk could not be reached. Check that it is still running.' }, 1000);
    const before = offsetsAsked(api).length;
    list.scrollTop = 60 * 200 * 30; // page 60
    fireEvent.scroll(list);
    expect(await screen.findByText('Batch Desk could not be reached. Check that it is still running.')).toBeTruthy();
    await act(() => new Promise((resolve) => setTimeout(resolve, 300)));
    const asked = offsetsAsked(api).slice(before);
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked).size).toBe(asked.length); // each page on screen once: no loop
    expect(screen.getByRole('list', { name: 'Files' })).toBe(list); // the list stays beside the error

    api.fake.fail('item:files', null);
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(within(list).getAllByText('frame-0012000.jpg')).toHaveLength(1));
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
