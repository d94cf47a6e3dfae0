// @vitest-environment jsdom
// The item panel's shards (which one is stuck, and why), its output folder, and tabs that start
// fresh for each item: a form left open on one item must not carry over to the next.

import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ItemPanel } from '../../renderer/src/detail/ItemPanel';
import { renderReady } from './render-helpers';

afterEach(cleanup);

type Seed = Parameters<Awaited<ReturnType<typeof renderReady>>['api']['fake']['seedItem']>[0];

async function panel() {
  const result = await renderReady(<ItemPanel />);
  const open = async (patch: Seed) => {
    const item = result.api.fake.seedItem(patch);
    await act(async () => {
      result.store.getState().applyItem(item);
      result.store.getState().openItem(item.id);
    });
    await waitFor(() => expect(result.store.getState().detail).toMatchObject({ id: item.id, status: 'ready' }));
    return item;
  };
  return { ...result, open };
}

const shardLines = () => within(screen.getByRole('list', { name: 'Shards' })).getAllByRole('listitem').map((li) => li.textContent);

describe('item panel: shards, output folder, fresh tabs', () => {
  it('lists the shards with their state, files, attempts and last error; "Failed" shows the one stuck', async () => {
    const { open } = await panel();
    await open({
      name: 'dock-cams',
      stage: 'upload',
      state: 'failed',
      error: { code: 'remote', message: 'storage rejected the upload (400): bad request' },
      progress: { files: { done: 512, total: 1000 }, bytes: { done: 512e5, total: 1000e5 }, indexed: { done: 0, total: 0 }, rejected: 0, throughput: 0, etaSeconds: null },
    });
    fireEvent.click(screen.getByRole('tab', { name: 'Shards' }));
    expect(screen.getByText('2 of 4 shards sent')).toBeTruthy();
    const lines = shardLines();
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^uploadedshard 0256 files/);
    expect(lines[2]).toMatch(/^failedshard 2256 files.*5 attemptsstorage rejected the upload \(400\): bad request$/);
    expect(lines[3]).toMatch(/^plannedshard 3232 files/);

    fireEvent.click(screen.getByRole('radio', { name: 'Failed' }));
    expect(shardLines()).toEqual([expect.stringMatching(/^failedshard 2/)]);
  });

  it('says when there are no shards yet', async () => {
    const { open } = await panel();
    await open({ name: 'just-dropped', stage: 'scan', state: 'running' });
    fireEvent.click(screen.getByRole('tab', { name: 'Shards' }));
    expect(screen.getByText('No shards yet; the scan plans them.')).toBeTruthy();
  });

  it('shows where the results go', async () => {
    const { open } = await panel();
    await open({ name: 'with-out', outDir: '/data/results/with-out-20261130' });
    expect(screen.getByText('/data/results/with-out-20261130')).toBeTruthy();
  });

  it('a "Start processing" form left open on one item is gone when another item opens', async () => {
    const { open } = await panel();
    await open({ name: 'first-site', pipeline: 'ingest', stage: 'done', state: 'done' });
    fireEvent.click(screen.getByRole('button', { name: 'Start processing…' }));
    expect(screen.getByRole('form', { name: 'Start processing' })).toBeTruthy();

    await open({ name: 'second-site', pipeline: 'ingest', stage: 'done', state: 'done' });
    expect(screen.getByRole('heading', { name: 'second-site' })).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Start processing' })).toBeNull();
  });

  it('an item that cannot be loaded still has a close button', async () => {
    const { store } = await panel();
    await act(async () => store.getState().openItem('no-such-item'));
    await waitFor(() => expect(store.getState().detail?.status).toBe('error'));
    fireEvent.click(screen.getByRole('button', { name: 'Close item panel' }));
    expect(store.getState().selectedId).toBeNull();
  });
});
