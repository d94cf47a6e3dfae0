// @vitest-environment jsdom
// The History screen: an item retried from there is back in the queue, so it leaves History at once;
// one whose retry is refused stays, with the reason shown.

import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { renderConsole } from './render-helpers';

afterEach(cleanup);

async function openHistory() {
  const result = await renderConsole({ signedIn: true }, (api) => {
    for (const name of ['site-h1', 'site-h2']) {
      api.fake.seedItem({ name, id: `item-${name}`, stage: 'upload', state: 'failed', error: { code: 'network', message: 'The service could not be reached.' } });
    }
  });
  const user = userEvent.setup();
  await user.click(within(screen.getByRole('navigation', { name: 'Screens' })).getByRole('button', { name: 'History' }));
  await row('site-h2'); // rows come into the page over the next frames
  // A row's buttons show while it is hovered
  const retry = async (name: string) => {
    fireEvent.mouseEnter(await row(name));
    fireEvent.click(screen.getByRole('button', { name: `Retry failed ${name}` }));
  };
  return { ...result, retry };
}

const row = (name: string) => screen.findByRole('row', { name: new RegExp(name) });
const listed = (name: string) => screen.queryAllByRole('row').some((r) => r.textContent?.includes(name));

describe('history', () => {
  it('drops an item retried from History at once, as it is back in the queue', async () => {
    const { store, retry } = await openHistory();
    expect(screen.getByText('2 finished items')).toBeTruthy();
    await retry('site-h1');
    await waitFor(() => expect(listed('site-h1'), 'site-h1 still listed in History').toBe(false));
    expect(listed('site-h2')).toBe(true);
    expect(screen.getByText('1 finished item')).toBeTruthy();
    expect(store.getState().queueIds).toContain('item-site-h1');
  });

  it('keeps an item retried while a History listing was on its way out of History when the listing arrives', async () => {
    const { api, retry } = await openHistory();
    // The next listing is read at once (site-h1 still failed) but answered only when released.
    const list = api['history:list'];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    api['history:list'] = async (args) => {
      const answer = await list(args);
      await released;
      return answer;
    };
    await userEvent.setup().click(within(screen.getByRole('navigation', { name: 'Screens' })).getByRole('button', { name: 'History' }));
    await waitFor(() => expect(api.fake.calls.filter((c) => c.channel === 'history:list')).toHaveLength(2));
    await retry('site-h1');
    await waitFor(() => expect(listed('site-h1'), 'site-h1 still listed in History').toBe(false));
    await act(async () => {
      release();
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
    expect(listed('site-h1'), 'the older listing put site-h1 back into History').toBe(false);
    expect(listed('site-h2')).toBe(true);
    expect(screen.getByText('1 finished item')).toBeTruthy();
  });

  it('keeps an item whose retry failed, and says why', async () => {
    const { api, retry } = await openHistory();
    api.fake.fail('item:retry', { code: 'no-profile', message: 'Add an API key in Settings first.' });
    await retry('site-h1');
    expect((await screen.findByRole('alert')).textContent).toContain('Add an API key in Settings first.');
    expect(listed('site-h1')).toBe(true);
    expect(screen.getByText('2 finished items')).toBeTruthy();
  });
});
