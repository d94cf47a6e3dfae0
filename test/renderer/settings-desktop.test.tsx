// @vitest-environment jsdom
// Settings for what the desktop app does in the background: start at login (in the tray, so
// watches keep running) and notifications. Offered in the desktop app only: a browser on the web
// host has neither, so it is not shown there.

import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { renderConsole } from './render-helpers';

afterEach(cleanup);

const LOGIN = /Start Batch Desk when I log in/;
const NOTIFY = 'Notify me when an item finishes or fails';

describe('settings: in the background', () => {
  it('turns start at login on and notifications off in the desktop app, and saves them', async () => {
    const { api } = await renderConsole({ signedIn: true, mode: 'desktop' }, (a) => {
      a.fake.settings.startAtLogin = false;
      a.fake.settings.notifications = true;
    });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    const login = screen.getByRole('checkbox', { name: LOGIN }) as HTMLInputElement;
    const notify = screen.getByRole('checkbox', { name: NOTIFY }) as HTMLInputElement;
    expect([login.checked, notify.checked]).toEqual([false, true]);
    await user.click(login);
    await user.click(notify);
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByRole('status')).toHaveProperty('textContent', 'Saved');
    expect(api.fake.calls.filter((c) => c.channel === 'settings:set').at(-1)!.args).toMatchObject({ startAtLogin: true, notifications: false });
    expect([api.fake.settings.startAtLogin, api.fake.settings.notifications]).toEqual([true, false]);
  });

  it('is not offered in a browser on the web host', async () => {
    await renderConsole({ signedIn: true, mode: 'web' });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    expect(screen.getByRole('heading', { name: 'Settings' })).toBeTruthy();
    expect(screen.queryByRole('checkbox', { name: LOGIN })).toBeNull();
    expect(screen.queryByRole('checkbox', { name: NOTIFY })).toBeNull();
  });
});
