// @vitest-environment jsdom
// The watch form edits the watch it was opened for: switching from one watch's form to another's
// (or to a new one) starts from that watch's own settings, never from what the last form held.

import { cleanup, screen, within } from '@testing-library/react';
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
