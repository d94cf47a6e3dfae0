// @vitest-environment jsdom
// The job form: ids checked as they are typed, every option validated before anything is sent,
// unset options left out, and the last choices remembered for next time.

import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { JobForm } from '../../renderer/src/detail/JobForm';
import { validateJobForm, formValuesFrom } from '../../renderer/src/util/job-form';
import { validateArgs } from '../../main/host/validate';
import type { JobOptions } from '../../shared/domain';
import { createFakeApi } from './fake-api';
import { renderReady } from './render-helpers';

afterEach(cleanup);

async function setup(defaultJob: Partial<JobOptions> = { workflowId: 'detect-and-count', machineType: 'gpu' }) {
  const api = createFakeApi({ signedIn: true });
  api.fake.settings.defaultJob = defaultJob;
  const item = api.fake.seedItem({ name: 'ingested', pipeline: 'ingest', stage: 'indexing', state: 'waiting', outDir: undefined });
  let done = 0;
  const result = await renderReady(<JobForm itemId={item.id} onDone={() => done++} onCancel={() => {}} />, api);
  return { ...result, item, done: () => done };
}

describe('job form', () => {
  it('starts with the remembered choices and the default output folder', async () => {
    await setup();
    expect((screen.getByLabelText('Workflow id') as HTMLInputElement).value).toBe('detect-and-count');
    expect((screen.getByLabelText('Machine') as HTMLSelectElement).value).toBe('gpu');
    expect((screen.getByLabelText('Output folder') as HTMLInputElement).value).toMatch(/^\/data\/results\/ingested-\d{8}-\d{6}$/);
  });

  it('checks the job id while it is typed', async () => {
    await setup();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Job id'), 'Nightly Run');
    expect(screen.getByText('Job id may contain only lower-case letters, digits, "-" and "_".')).toBeTruthy();
    await user.clear(screen.getByLabelText('Job id'));
    await user.type(screen.getByLabelText('Job id'), 'a-very-long-job-id-over-20');
    expect(screen.getByText('Job id is 26 characters long; at most 20 are allowed.')).toBeTruthy();
    await user.clear(screen.getByLabelText('Job id'));
    await user.type(screen.getByLabelText('Job id'), 'nightly-01');
    expect(screen.queryByText(/Job id (may|is)/)).toBeNull();
  });

  it('sends nothing while a field is wrong, then starts the job with exactly the options set', async () => {
    const { api, item, done } = await setup();
    const user = userEvent.setup();
    await user.clear(screen.getByLabelText('Workflow id'));
    await user.click(screen.getByRole('button', { name: 'More options' }));
    await user.type(screen.getByLabelText('Max image failure rate'), '5');
    await user.click(screen.getByRole('button', { name: 'Start job' }));
    expect(screen.getByText('Enter the id of a saved Workflow in this workspace.')).toBeTruthy();
    expect(screen.getByText('Failure rate is a fraction from 0 to 1 (0.05 = 5 %).')).toBeTruthy();
    expect(api.fake.calls.some((c) => c.channel === 'item:start-job')).toBe(false);

    await user.type(screen.getByLabelText('Workflow id'), 'count-pallets');
    await user.clear(screen.getByLabelText('Max image failure rate'));
    await user.type(screen.getByLabelText('Max image failure rate'), '0.05');
    await user.type(screen.getByLabelText('Job id'), 'pallets-01');
    fireEvent.change(screen.getByLabelText('Workflow parameters (JSON)'), { target: { value: '{"confidence": 0.4}' } });
    await user.click(screen.getByRole('button', { name: 'Start job' }));
    await waitFor(() => expect(done()).toBe(1));
    const call = api.fake.calls.find((c) => c.channel === 'item:start-job')!;
    expect(call.args).toEqual({
      id: item.id,
      outDir: (call.args as { outDir: string }).outDir,
      job: { workflowId: 'count-pallets', machineType: 'gpu', maxImageFailureRate: 0.05, jobId: 'pallets-01', workflowParameters: { confidence: 0.4 }, persistImageOutputs: false },
    });
    // Remembered for next time, except the job's own id.
    await waitFor(() => expect(api.fake.settings.defaultJob).toEqual({ workflowId: 'count-pallets', machineType: 'gpu', maxImageFailureRate: 0.05, workflowParameters: { confidence: 0.4 }, persistImageOutputs: false }));
  });

  it('checks the workflow id as it is typed, with main’s rule', async () => {
    await setup();
    const user = userEvent.setup();
    await user.clear(screen.getByLabelText('Workflow id'));
    await user.type(screen.getByLabelText('Workflow id'), 'count+pallets');
    expect(screen.getByText('A workflow id may contain only letters, digits, ".", "/", "-" and "_".')).toBeTruthy();
    await user.clear(screen.getByLabelText('Workflow id'));
    await user.type(screen.getByLabelText('Workflow id'), 'acme/count-pallets_v2.1');
    expect(screen.queryByText(/A workflow id/)).toBeNull();
  });

  it('says beside each field what main would refuse, and sends nothing', async () => {
    const { api } = await setup();
    const user = userEvent.setup();
    await user.clear(screen.getByLabelText('Output folder'));
    await user.type(screen.getByLabelText('Output folder'), 'results/site-a');
    await user.click(screen.getByRole('button', { name: 'More options' }));
    await user.type(screen.getByLabelText('Parallel tasks'), '10001');
    await user.type(screen.getByLabelText('Runtime budget (s)'), '604801');
    await user.type(screen.getByLabelText('Max video FPS'), '500');
    await user.click(screen.getByRole('button', { name: 'Start job' }));
    expect(screen.getByText('Give the full path of the output folder, like /data/results.')).toBeTruthy();
    expect(screen.getByText('Parallel tasks must be a whole number from 1 to 10,000.')).toBeTruthy();
    expect(screen.getByText('Runtime budget (seconds) must be a whole number from 1 to 604,800.')).toBeTruthy();
    expect(screen.getByText('Frames per second must be a number from 0.01 to 240.')).toBeTruthy();
    expect(api.fake.calls.some((c) => c.channel === 'item:start-job')).toBe(false);
  });

  it('offers only the worker counts the service accepts, as a choice', async () => {
    const { api } = await setup();
    const user = userEvent.setup();
    const workers = screen.getByLabelText('Workers per machine') as HTMLSelectElement;
    expect(workers.tagName).toBe('SELECT');
    expect([...workers.options].map((o) => o.value)).toEqual(['', '1', '2', '4', '8']);
    expect(workers.value).toBe(''); // the service's default until chosen
    await user.selectOptions(workers, '4');
    await user.click(screen.getByRole('button', { name: 'Start job' }));
    await waitFor(() => expect(api.fake.calls.some((c) => c.channel === 'item:start-job')).toBe(true));
    const call = api.fake.calls.find((c) => c.channel === 'item:start-job')!;
    expect((call.args as { job: JobOptions }).job.workersPerMachine).toBe(4);
  });

  it('shows a remembered worker count the service does not offer, and sends nothing until it is changed', async () => {
    const { api } = await setup({ workflowId: 'detect-and-count', workersPerMachine: 3 });
    const user = userEvent.setup();
    const workers = screen.getByLabelText('Workers per machine') as HTMLSelectElement;
    expect(workers.value).toBe('3');
    expect(workers.selectedOptions[0]!.textContent).toBe('3 (not offered)');
    await user.click(screen.getByRole('button', { name: 'Start job' }));
    expect(screen.getByText('Workers per machine must be one of 1, 2, 4, 8.')).toBeTruthy();
    expect(api.fake.calls.some((c) => c.channel === 'item:start-job')).toBe(false);
    await user.selectOptions(workers, '2');
    expect(screen.queryByText(/Workers per machine must/)).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Start job' }));
    await waitFor(() => expect(api.fake.calls.some((c) => c.channel === 'item:start-job')).toBe(true));
  });

  it('shows the service’s refusal in plain words and keeps the form', async () => {
    const { api } = await setup();
    api.fake.fail('item:start-job', { code: 'conflict', message: 'A job with this id already exists with other options. Pick another job id.', detail: 'HTTP 409' });
    await userEvent.setup().click(screen.getByRole('button', { name: 'Start job' }));
    expect(await screen.findByText('A job with this id already exists with other options. Pick another job id.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Start job' })).toBeTruthy();
  });
});

describe('job form validation', () => {
  it('accepts exactly what main accepts at the limits', () => {
    const values = { ...formValuesFrom({ workflowId: 'wf' }, '/out'), workersPerMachine: '8', maxParallelTasks: '10000', maxRuntimeSeconds: '604800', maxVideoFps: '240' };
    const { job, errors } = validateJobForm(values);
    expect(errors).toEqual({});
    expect(() => validateArgs('item:start-job', { id: 'item-1', job, outDir: '/out' })).not.toThrow();
  });

  it('rejects malformed numbers and JSON with a reason per field', () => {
    const values = { ...formValuesFrom({ workflowId: 'wf' }, '/out'), workersPerMachine: '0', maxParallelTasks: '2.5', workflowParameters: '[1]', maxVideoFps: '-1' };
    const { job, errors } = validateJobForm(values);
    expect(job).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual(['maxParallelTasks', 'maxVideoFps', 'workersPerMachine', 'workflowParameters']);
  });
});
