// @vitest-environment jsdom
// Settings send only what main accepts (its own validator answers here, as it does for real) and
// say beside the field what it would refuse; an empty default output folder means "none".

import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError, validateArgs } from '../../main/host/validate';
import { renderConsole } from './render-helpers';

afterEach(cleanup);

async function openSettings() {
  const result = await renderConsole({ signedIn: true }, (api) => {
    const set = api['settings:set'];
    api['settings:set'] = async (patch) => {
      try {
        validateArgs('settings:set', patch);
      } catch (e) {
        if (e instanceof ValidationError) return { ok: false, error: { code: 'invalid-argument', message: e.message } };
        throw e;
      }
      return set(patch);
    };
  });
  const user = userEvent.setup();
  await user.click(screen.getByRole('button', { name: 'Settings' }));
  return { ...result, user };
}

const save = () => screen.getByRole('button', { name: 'Save settings' }) as HTMLButtonElement;

describe('settings form', () => {
  it('says beside the API address that saved profiles keep the address they were added with', async () => {
    await openSettings();
    const field = screen.getByLabelText('API address').closest('.field') as HTMLElement;
    expect(within(field).getByText('For profiles added from now on; each profile keeps the address it was added with.')).toBeTruthy();
  });

  it('saves an empty default output folder as "no default"', async () => {
    const { api, user } = await openSettings();
    await user.clear(screen.getByLabelText('Default output folder'));
    await user.click(save());
    expect(await screen.findByRole('status')).toHaveProperty('textContent', 'Saved');
    expect(api.fake.settings.defaultOutDir).toBe('');
    expect((screen.getByLabelText('Default output folder') as HTMLInputElement).value).toBe('');
  });

  it('says a relative output folder needs a full path, and does not save it', async () => {
    const { user } = await openSettings();
    await user.clear(screen.getByLabelText('Default output folder'));
    await user.type(screen.getByLabelText('Default output folder'), 'results');
    expect(screen.getByText('Give the full path of the folder, like /data/results, or leave it empty for none.')).toBeTruthy();
    expect(save().disabled).toBe(true);
  });

  it('allows shards of up to 2 GiB, as main does', async () => {
    const { api, user } = await openSettings();
    const shard = screen.getByLabelText('Shard size (MiB)');
    await user.clear(shard);
    await user.type(shard, '4096');
    expect(screen.getByText('From 1 to 2048 MiB (2 GiB).')).toBeTruthy();
    expect(save().disabled).toBe(true);
    await user.clear(shard);
    await user.type(shard, '2048');
    await user.click(save());
    expect(await screen.findByRole('status')).toHaveProperty('textContent', 'Saved');
    expect(api.fake.settings.transfer.shardBytes).toBe(2048 * 1024 * 1024);
  });

  it('checks the default workflow id with main’s rule', async () => {
    const { user } = await openSettings();
    const workflow = screen.getByLabelText('Default workflow id');
    await user.clear(workflow);
    await user.type(workflow, 'count+pallets');
    expect(screen.getByText('A workflow id may contain only letters, digits, ".", "/", "-" and "_".')).toBeTruthy();
    expect(save().disabled).toBe(true);
  });
});
