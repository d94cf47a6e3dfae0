// @vitest-environment jsdom
// The item panel: ids in monospace, an expiry countdown only when under 24 hours, tabs by keyboard,
// and a failed item's reason with a retry that reaches main.

import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ItemPanel } from '../../renderer/src/detail/ItemPanel';
import { emptyProgress } from '../../shared/domain';
import { stagesFor } from './fake-api';
import { renderReady } from './render-helpers';

afterEach(cleanup);

async function open(patch: Parameters<Awaited<ReturnType<typeof renderReady>>['api']['fake']['seedItem']>[0]) {
  const result = await renderReady(<ItemPanel />);
  const item = result.api.fake.seedItem(patch);
  await act(async () => {
    result.store.getState().applyItem(item);
    result.store.getState().openItem(item.id);
  });
  await waitFor(() => expect(result.store.getState().detail?.status).toBe('ready'));
  return { ...result, item };
}

describe('item panel', () => {
  it('shows the batch and job ids, and counts down the expiry once under 24 hours', async () => {
    await open({ name: 'site-a', batchId: 'site-a-x1y2z3', jobId: 'job-abc123', stage: 'indexing', state: 'waiting', expiresAt: new Date(Date.now() + 5 * 3600_000 + 30_000).toISOString() });
    expect(screen.getByText('site-a-x1y2z3').className).toContain('mono');
    expect(screen.getByText('job-abc123')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Copy batch' })).toBeTruthy();
    expect(screen.getByText(/Inputs expire in 5h 00m/)).toBeTruthy();
  });

  it("names the item's workspace, and flags it when the profile in use is another workspace's", async () => {
    await open({ name: 'site-w', workspace: 'acme-vision' });
    const meta = screen.getByText(/Created/).textContent!;
    expect(meta).toContain('Workspace acme-vision');
    expect(meta).not.toContain('not the profile in use');
    cleanup();
    await open({ name: 'site-x', workspace: 'other-co' });
    expect(screen.getByText(/Created/).textContent).toContain('Workspace other-co (not the profile in use)');
  });

  it('says nothing about expiry while more than a day is left', async () => {
    await open({ name: 'site-b', expiresAt: new Date(Date.now() + 6 * 86_400_000).toISOString() });
    expect(screen.queryByText(/expire/)).toBeNull();
  });

  it('moves between tabs with the arrow keys', async () => {
    const { store } = await open({ name: 'site-c' });
    const progressTab = screen.getByRole('tab', { name: 'Progress' });
    expect(progressTab.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(progressTab, { key: 'ArrowRight' });
    expect(store.getState().tab).toBe('files');
    expect(screen.getByRole('tab', { name: 'Files' }).getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(screen.getByRole('tab', { name: 'Files' }), { key: 'ArrowLeft' });
    fireEvent.keyDown(screen.getByRole('tab', { name: 'Progress' }), { key: 'ArrowLeft' });
    expect(store.getState().tab).toBe('results'); // wraps around
  });

  it('shows why a failed item stopped and sends retry to main', async () => {
    const { api, item } = await open({
      name: 'site-d',
      state: 'failed',
      stages: stagesFor('upload', 'full', true),
      progress: { ...emptyProgress(), files: { done: 10, total: 20 } },
      error: { code: 'network', message: 'The upload stopped: the service could not be reached.', detail: 'ECONNRESET', retryable: true },
    });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('The upload stopped: the service could not be reached.');
    fireEvent.click(screen.getAllByRole('button', { name: 'Retry failed' }).find((b) => alert.contains(b))!);
    await waitFor(() => expect(api.fake.calls.some((c) => c.channel === 'item:retry' && (c.args as { id: string }).id === item.id)).toBe(true));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
  });

  it('lists a million-file item page by page, never all at once', async () => {
    const { api } = await open({ name: 'huge', progress: { ...emptyProgress(), files: { done: 0, total: 1_000_000 } } });
    fireEvent.click(screen.getByRole('tab', { name: 'Files' }));
    await screen.findByText('1,000,000 files');
    const fileCalls = api.fake.calls.filter((c) => c.channel === 'item:files').map((c) => c.args as { limit: number });
    expect(fileCalls.length).toBeGreaterThan(0);
    expect(Math.max(...fileCalls.map((c) => c.limit))).toBeLessThanOrEqual(200);
    expect(screen.getAllByRole('listitem').length).toBeLessThan(100);
  });

  // Main restarts only a job that failed on the service; anything else it refuses.
  async function jobTools(patch: Parameters<typeof open>[0]) {
    await open({ jobId: 'job-7', ...patch });
    fireEvent.click(screen.getByRole('tab', { name: 'Job' }));
    await screen.findByRole('table'); // the job's stages
    return screen.queryByRole('button', { name: 'Restart job…' });
  }

  it('offers no restart of a job that succeeded', async () => {
    expect(await jobTools({ name: 'site-done', state: 'done', stage: 'done', stages: stagesFor('done', 'full') })).toBeNull();
  });

  it('offers no restart of a job that succeeded when the export after it failed', async () => {
    const error = { code: 'io' as const, message: 'The disk is full (/results/site-x). Free some space, then retry.' };
    expect(await jobTools({ name: 'site-x', state: 'failed', stage: 'export', stages: stagesFor('export', 'full', true), error })).toBeNull();
  });

  it('offers a restart of a job that failed on the service, with its options', async () => {
    const error = { code: 'remote' as const, message: 'Job job-7 failed: out of memory.', failedJobId: 'job-7' };
    const restart = await jobTools({ name: 'site-j', state: 'failed', stage: 'processing', stages: stagesFor('processing', 'full', true), error });
    fireEvent.click(restart!);
    expect(screen.getByRole('form', { name: 'Restart job' })).toBeTruthy();
  });
});
