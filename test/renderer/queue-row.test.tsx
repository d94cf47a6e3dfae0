// @vitest-environment jsdom
// A queue row shows the operator's numbers: files and bytes done of total, rate, ETA, rejections,
// the stage pipeline and a bar for the active stage; live progress moves only that row.

import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QueueRow } from '../../renderer/src/components/QueueRow';
import { availableActions } from '../../renderer/src/components/RowActions';
import { StagePipeline } from '../../renderer/src/components/StagePipeline';
import { emptyProgress, type ItemSummary } from '../../shared/domain';
import { packProgress } from '../../shared/progress-batch';
import { createFakeApi, stagesFor } from './fake-api';
import { renderWithStore } from './render-helpers';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function setup() {
  const api = createFakeApi({ signedIn: true });
  const item = api.fake.seedItem({
    name: 'site-a',
    stage: 'upload',
    state: 'running',
    progress: { ...emptyProgress(), files: { done: 1204, total: 12408 }, bytes: { done: 4.2e8, total: 1.9e9 }, throughput: 38.2e6, etaSeconds: 185, rejected: 3 },
  });
  const opened: string[] = [];
  const rejections: string[] = [];
  const result = renderWithStore(<QueueRow id={item.id} index={0} selected={false} onOpen={(id) => opened.push(id)} onShowRejections={(id) => rejections.push(id)} />, api);
  act(() => result.store.getState().applyItem(item));
  /** The item as the host sends it after a change: a second later, with `patch`. */
  const update = (patch: Partial<ItemSummary>) =>
    act(() => result.store.getState().applyItem({ ...item, updatedAt: new Date(Date.parse(item.updatedAt) + 1000).toISOString(), ...patch }));
  return { ...result, item, opened, rejections, update };
}

describe('queue row', () => {
  it('shows files, bytes, throughput, ETA and rejections as tabular figures', () => {
    setup();
    const row = screen.getByRole('row');
    expect(within(row).getByText('1,204 / 12,408')).toBeTruthy();
    expect(within(row).getByText('420 MB / 1.9 GB')).toBeTruthy();
    expect(within(row).getByText('38.2 MB/s')).toBeTruthy();
    expect(within(row).getByText('3m 05s')).toBeTruthy();
    expect(within(row).getByRole('button', { name: '3 rejected files in site-a' })).toBeTruthy();
    const bar = within(row).getByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('22.1'); // bytes 420 MB of 1.9 GB
  });

  it('moves with live progress events', async () => {
    const { api, item } = setup();
    await act(async () => {
      api.fake.emit('item:progress', packProgress([{ id: item.id, stage: 'upload', progress: { ...emptyProgress(), files: { done: 6000, total: 12408 }, bytes: { done: 9.5e8, total: 1.9e9 }, throughput: 41e6, etaSeconds: 23, rejected: 3 } }]));
      await Promise.resolve();
    });
    expect(screen.getByText('6,000 / 12,408')).toBeTruthy();
    expect(screen.getByText('41.0 MB/s')).toBeTruthy();
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('50');
  });

  it('says when transfers wait to be retried, and why, until they succeed', async () => {
    const { api, item } = setup();
    const base = { ...emptyProgress(), files: { done: 6000, total: 12408 }, bytes: { done: 9.5e8, total: 1.9e9 } };
    const retrying = { count: 2, reason: 'storage answered 503', nextAttemptAt: new Date().toISOString() };
    await act(async () => {
      api.fake.emit('item:progress', packProgress([{ id: item.id, stage: 'upload', progress: { ...base, retrying } }]));
      await Promise.resolve();
    });
    expect(screen.getByText(/retrying 2: storage answered 503/).className).toContain('text-waiting');
    await act(async () => {
      api.fake.emit('item:progress', packProgress([{ id: item.id, stage: 'upload', progress: base }]));
      await Promise.resolve();
    });
    expect(screen.queryByText(/retrying/)).toBeNull();
  });

  it('opens the rejections without opening the row, and offers pause on a running item', () => {
    const { item, opened, rejections, api } = setup();
    fireEvent.click(screen.getByRole('button', { name: /rejected files/ }));
    expect(rejections).toEqual([item.id]);
    expect(opened).toEqual([]);
    // Actions appear when the row is hovered or focused (and only then).
    expect(screen.queryByRole('button', { name: 'Pause site-a' })).toBeNull();
    fireEvent.focus(screen.getByRole('row'));
    fireEvent.click(screen.getByRole('button', { name: 'Pause site-a' }));
    expect(api.fake.calls.at(-1)).toEqual({ channel: 'item:pause', args: { id: item.id } });
  });

  it('says why a failed item failed and offers retry instead of pause', () => {
    const { update } = setup();
    update({ state: 'failed', stages: stagesFor('upload', 'full', true), error: { code: 'network', message: 'The service could not be reached after 5 tries.' } });
    expect(screen.getAllByText('The service could not be reached after 5 tries.').length).toBeGreaterThan(0);
    fireEvent.mouseEnter(screen.getByRole('row'));
    expect(screen.getByRole('button', { name: 'Retry failed site-a' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Pause site-a' })).toBeNull();
  });

  it('keeps keyboard focus on the button as Pause turns into Resume', async () => {
    setup();
    fireEvent.mouseEnter(screen.getByRole('row'));
    const pause = screen.getByRole('button', { name: 'Pause site-a' });
    pause.focus();
    fireEvent.click(pause);
    const resume = await screen.findByRole('button', { name: 'Resume site-a' });
    expect(document.activeElement).toBe(resume);
  });

  it('shows no rate or time left for a paused item: its last figures would stand still', () => {
    const { update } = setup();
    expect(within(screen.getByRole('row')).getByText('38.2 MB/s')).toBeTruthy();
    update({ state: 'paused' });
    const row = screen.getByRole('row');
    expect(within(row).queryByText('38.2 MB/s')).toBeNull();
    expect(within(row).queryByText('3m 05s')).toBeNull();
  });

  it('shows no time left once the upload is over: indexing and processing have nothing to estimate', () => {
    const { update } = setup();
    expect(within(screen.getByRole('row')).getByTitle('Time left').textContent).toBe('3m 05s');
    // As the upload leaves it: nothing left to send, no throughput.
    const after = { ...emptyProgress(), files: { done: 12408, total: 12408 }, bytes: { done: 1.9e9, total: 1.9e9 }, throughput: 0, etaSeconds: 0 };
    for (const stage of ['indexing', 'processing'] as const) {
      update({ stage, state: 'waiting', stages: stagesFor(stage, 'full'), progress: after });
      expect(within(screen.getByRole('row')).getByTitle('Time left').textContent).toBe('—');
    }
  });

  it('offers to restart a job that failed on the service, and restarts it only once confirmed', () => {
    const { item, api, update } = setup();
    update({
      state: 'failed',
      stages: stagesFor('processing', 'full', true),
      jobId: 'job-7',
      outDir: '/results/site-a',
      error: { code: 'remote', message: 'Job job-7 failed: 12 of 40 tasks failed.', failedJobId: 'job-7' },
    });
    fireEvent.mouseEnter(screen.getByRole('row'));
    expect(screen.queryByRole('button', { name: 'Retry failed site-a' })).toBeNull();
    // the export never began, so there is no output folder to open yet
    expect(screen.queryByRole('button', { name: 'Open output site-a' })).toBeNull();
    const restart = screen.getByRole('button', { name: 'Restart job site-a' });
    const confirm = vi.spyOn(window, 'confirm').mockReturnValue(false);
    fireEvent.click(restart);
    expect(confirm.mock.calls).toEqual([['Restart job job-7 of “site-a” on Roboflow? It runs again and uses compute again.']]);
    expect(api.fake.calls.some((c) => c.channel === 'item:retry')).toBe(false);
    confirm.mockReturnValue(true);
    fireEvent.click(restart);
    expect(api.fake.calls.at(-1)).toEqual({ channel: 'item:retry', args: { id: item.id } });
  });
});

describe('row actions', () => {
  it('say before cancelling an item whose job runs that the job is aborted too', () => {
    const { update } = setup();
    update({ stage: 'processing', stages: stagesFor('processing', 'full') });
    fireEvent.mouseEnter(screen.getByRole('row'));
    const confirm = vi.spyOn(window, 'confirm').mockReturnValue(false);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel site-a' }));
    expect(confirm.mock.calls).toEqual([['Cancel “site-a”? Its job is aborted on Roboflow. Files already sent stay in the batch.']]);
  });

  it('offer the output folder once the export has begun, and not for an item that failed before it', () => {
    const failedAt = (stage: 'processing' | 'export') => ({ state: 'failed' as const, outDir: '/results/site-a', stages: stagesFor(stage, 'full', true) });
    expect(availableActions(failedAt('export'))).toEqual(['retry', 'open-output']);
    expect(availableActions(failedAt('processing'))).toEqual(['retry']);
    expect(availableActions({ state: 'done', outDir: '/results/site-a', stages: stagesFor('done', 'full') })).toEqual(['open-output']);
  });
});

describe('stage pipeline', () => {
  it('marks stages done, active and pending, and leaves out skipped ones', () => {
    const { container } = renderWithStore(<StagePipeline stages={stagesFor('indexing', 'ingest')} />);
    const states = [...container.querySelectorAll('[data-stage]')].map((el) => `${el.getAttribute('data-stage')}:${el.getAttribute('data-state')}`);
    expect(states).toEqual(['scan:done', 'upload:done', 'indexing:active', 'done:pending']);
    expect(screen.getByRole('img').getAttribute('aria-label')).toBe('Stages: Scan done, Upload done, Index active, Done pending');
  });
});
