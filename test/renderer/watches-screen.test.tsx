// @vitest-environment jsdom
// The watch form edits the watch it was opened for: switching from one watch's form to another's
// (or to a new one) starts from that watch's own settings, never from what the last form held.

import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, it } from 'vitest';
import { seedShowcase } from './fake-api';
import { renderConsole } from './render-helpers';

afterEach(cleanup);

it("switching from one watch's form to another's shows and saves the other's settings", async () => {
  const { api } = await renderConsole({ signedIn: true }, (a) => seedShowcase(a));
  const user = userEvent.setup();
  await user.click(screen.getByRole('button', { name: 'Watches' }));
  const rows = await screen.findAllByRole('row');
  const rowOf = (folder: string) => rows.find((r) => r.textContent?.includes(folder))!;

  await user.click(within(rowOf('/data/incoming/site-a')).getByRole('button', { name: 'Edit' }));
  expect(screen.getByLabelText('Folder')).toHaveProperty('value', '/data/incoming/site-a');
  await user.click(within(rowOf('/mnt/nas/dock-cams')).getByRole('button', { name: 'Edit' }));
  expect(screen.getByLabelText('Folder')).toHaveProperty('value', '/mnt/nas/dock-cams');
  expect(screen.getByLabelText('Workflow id')).toHaveProperty('value', 'night-vision-v2');

  await user.click(screen.getByRole('button', { name: 'Save watch' }));
  expect(api.fake.watches.get('w2')!.spec.folder).toBe('/mnt/nas/dock-cams');
  expect(api.fake.watches.get('w1')!.spec.folder).toBe('/data/incoming/site-a');
});

it('"Start watching" is disabled while the watch starts: a double click makes one watch', async () => {
  const { api } = await renderConsole({ signedIn: true });
  const user = userEvent.setup();
  // Starting a watch takes up to 3 s in main: hold the answer until the test lets it go.
  const add = api['watches:add'];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let asked = 0;
  api['watches:add'] = async (spec) => {
    asked++;
    await held;
    return add(spec);
  };
  await user.click(screen.getByRole('button', { name: 'Watches' }));
  await user.click(screen.getByRole('button', { name: 'Add watch' }));
  await user.type(screen.getByLabelText('Folder'), '/data/incoming/site-c');
  await user.type(screen.getByLabelText('Workflow id'), 'detect-things');
  await user.clear(screen.getByLabelText('Output folder'));
  await user.type(screen.getByLabelText('Output folder'), '/data/results/site-c');

  const start = screen.getByRole('button', { name: 'Start watching' });
  await user.dblClick(start);
  expect(start).toHaveProperty('disabled', true);
  release();
  await waitFor(() => expect(screen.queryByRole('button', { name: 'Start watching' })).toBeNull());
  expect(asked).toBe(1);
  expect([...api.fake.watches.values()].map((w) => w.spec.folder)).toEqual(['/data/incoming/site-c']);
  expect(screen.getAllByRole('row').filter((r) => r.textContent?.includes('/data/incoming/site-c'))).toHaveLength(1);
});
