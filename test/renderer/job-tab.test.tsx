// @vitest-environment jsdom
// The Job tab: changing a planned job's options starts from that job (not Settings' default), the
// logs come back after a failed load, and a restart offers only the worker counts the service takes.

import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { JobTab } from '../../renderer/src/detail/JobTab';
import { useApp } from '../../renderer/src/store/store-context';
import type { ItemSummary, JobOptions } from '../../shared/domain';
import { createFakeApi, stagesFor } from './fake-api';
import { renderReady } from './render-helpers';

afterEach(cleanup);

/** The tab as the item panel shows it: for the item as the store has it now. */
function Job({ id }: { id: string }) {
  const item = useApp((s) => s.items[id]);
  return item ? <JobTab item={item} /> : null;
}

async function open(patch: Partial<ItemSummary> & { name: string }, planned?: JobOptions) {
  const api = createFakeApi({ signedIn: true });
  api.fake.settings.defaultJob = { workflowId: 'detect-and-count', machineType: 'gpu' };
  const item = api.fake.seedItem(patch);
  // The fake keeps no item spec: answer the item's planned job as main's item:get does.
  const get = api['item:get'];
  api['item:get'] = async (args) => {
    const r = await get(args);
    return r.ok && planned ? { ok: true, value: { ...r.value, job: planned } } : r;
  };
  const result = await renderReady(<Job id={item.id} />, api);
  await act(async () => {
    result.store.getState().applyItem(item); // finished items are not in the queue's listing
    result.store.getState().openItem(item.id);
  });
  await waitFor(() => expect(result.store.getState().detail?.status).toBe('ready'));
  return { ...result, item };
}

const value = (label: string) => (screen.getByLabelText(label) as HTMLInputElement | HTMLSelectElement).value;

describe('job tab', () => {
  it('changes the options of the item’s own planned job, keeping its workflow and output folder', async () => {
    const planned: JobOptions = { workflowId: 'count-pallets', machineType: 'cpu', workersPerMachine: 4 };
    await open({ name: 'site-a', pipeline: 'full', stage: 'indexing', state: 'waiting', outDir: '/data/results/site-a-1' }, planned);
    fireEvent.click(screen.getByRole('button', { name: 'Change job options…' }));
    expect(value('Workflow id')).toBe('count-pallets');
    expect(value('Machine')).toBe('cpu');
    expect(value('Workers per machine')).toBe('4');
    expect(value('Output folder')).toBe('/data/results/site-a-1');
  });

  it('starts processing an ingest-only item from the remembered job', async () => {
    await open({ name: 'site-b', pipeline: 'ingest', stage: 'indexing', state: 'waiting', outDir: undefined });
    fireEvent.click(screen.getByRole('button', { name: 'Start processing…' }));
    expect(value('Workflow id')).toBe('detect-and-count');
    expect(value('Machine')).toBe('gpu');
  });

  it('shows the logs once a later load succeeds, after one that failed', async () => {
    const error = { code: 'remote' as const, message: 'Job job-7 failed: out of memory.', failedJobId: 'job-7' };
    const { api, item, store } = await open({ name: 'site-c', jobId: 'job-7', state: 'failed', stage: 'processing', stages: stagesFor('processing', 'full', true), error });
    // The first load failed (the service was briefly unreachable); the item then changes and they load.
    api.fake.logs.set(item.id, [{ createdAt: '2026-11-29T07:23:00.000Z', severity: 'error', message: 'Task 3 ran out of memory.' }]);
    api.fake.fail('item:logs', { code: 'network', message: 'The service could not be reached.' });
    act(() => store.getState().applyItem({ ...item, updatedAt: new Date(Date.parse(item.updatedAt) + 1000).toISOString() }));
    expect(await screen.findByText('The service could not be reached.')).toBeTruthy();
    act(() => store.getState().applyItem({ ...item, updatedAt: new Date(Date.parse(item.updatedAt) + 2000).toISOString() }));
    expect(await screen.findByText('Task 3 ran out of memory.')).toBeTruthy();
    expect(screen.queryByText('The service could not be reached.')).toBeNull();
  });

  it('offers a restart only the worker counts the service takes, and sends the one chosen', async () => {
    const error = { code: 'remote' as const, message: 'Job job-8 failed: out of memory.', failedJobId: 'job-8' };
    const { api } = await open({ name: 'site-d', jobId: 'job-8', state: 'failed', stage: 'processing', stages: stagesFor('processing', 'full', true), error });
    await screen.findByRole('table');
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Restart job…' }));
    const workers = screen.getByLabelText('Workers per machine') as HTMLSelectElement;
    expect([...workers.options].map((o) => o.textContent)).toEqual(['As before', '1', '2', '4', '8']);
    await user.selectOptions(workers, '4');
    await user.click(screen.getByRole('button', { name: 'Restart' }));
    await waitFor(() => expect(api.fake.calls.find((c) => c.channel === 'item:restart-job')?.args).toEqual({ id: expect.any(String), overrides: { workersPerMachine: 4 } }));
  });

  it('sends one restart however often Restart is clicked while it is on its way', async () => {
    const error = { code: 'remote' as const, message: 'Job job-9 failed: out of memory.', failedJobId: 'job-9' };
    const { api } = await open({ name: 'site-e', jobId: 'job-9', state: 'failed', stage: 'processing', stages: stagesFor('processing', 'full', true), error });
    await screen.findByRole('table');
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const restart = api['item:restart-job'];
    api['item:restart-job'] = async (args) => {
      await answered;
      return restart(args);
    };
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Restart job…' }));
    const button = screen.getByRole('button', { name: 'Restart' });
    fireEvent.click(button);
    fireEvent.click(button);
    fireEvent.submit(button.closest('form')!);
    expect(screen.getByRole('button', { name: 'Restarting…' }).hasAttribute('disabled')).toBe(true);
    await act(async () => answer());
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Restart job' })).toBeNull());
    expect(api.fake.calls.filter((c) => c.channel === 'item:restart-job')).toHaveLength(1);
  });
});
