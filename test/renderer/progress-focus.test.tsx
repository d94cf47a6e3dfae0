// @vitest-environment jsdom
// The console tells main which items it shows (the rows on screen and the open item), so main sends
// their progress five times a second and everyone else's only once it comes into view.

import { act, cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressFocus } from '../../renderer/src/store/progress-focus';
import { renderConsole } from './render-helpers';
import type { FakeApi } from './fake-api';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const focusCalls = (api: FakeApi) => api.fake.calls.filter((c) => c.channel === 'progress:focus').map((c) => c.args as { viewer: string; ids: string[] });

describe('the console says what it shows', () => {
  it('names the rows on screen, then the open item first, from one viewer id', async () => {
    const { api } = await renderConsole({ signedIn: true }, (a) => {
      for (let i = 0; i < 300; i++) a.fake.seedItem({ name: `cam-${String(i).padStart(3, '0')}` });
    });
    const rowIds = () => [...document.querySelectorAll('.qrow[data-item-id]')].map((row) => row.getAttribute('data-item-id')!);
    await waitFor(() => expect(focusCalls(api).at(-1)?.ids).toEqual(rowIds()));
    expect(rowIds().length).toBeGreaterThan(10);
    expect(rowIds().length).toBeLessThan(40); // the screenful, not the 300 items

    await userEvent.setup().click(screen.getAllByRole('row').find((row) => row.getAttribute('data-index') === '4')!);
    const opened = rowIds()[4]!;
    await waitFor(() => expect(focusCalls(api).at(-1)?.ids[0]).toBe(opened));
    expect(new Set(focusCalls(api).map((c) => c.viewer)).size).toBe(1);
  });

  it('says so at once when it connects, before it has rows or events, and again at once when asked to (the event stream came back)', async () => {
    let focusesWhenSubscribed = -1;
    const { api, store } = await renderConsole({ signedIn: true }, (a) => {
      a.fake.seedItem({ name: 'cam-1' });
      const subscribe = a.subscribe;
      a.subscribe = ((event: string, listener: (payload: never) => void) => {
        if (event === 'item:progress') focusesWhenSubscribed = focusCalls(a).length;
        return subscribe(event as never, listener);
      }) as typeof a.subscribe;
    });
    expect(focusCalls(api)[0]!.ids).toEqual([]); // main holds what no one shows from the start
    expect(focusesWhenSubscribed).toBe(1); // before the event stream opens
    await waitFor(() => expect(focusCalls(api).at(-1)!.ids).toHaveLength(1));
    const before = focusCalls(api).length;
    act(() => store.getState().resendFocus());
    expect(focusCalls(api)).toHaveLength(before + 1); // not after the usual delay
    expect(focusCalls(api).at(-1)).toEqual(focusCalls(api).at(-2));
  });
});

describe('ProgressFocus', () => {
  it('sends at most once per delay, and only what changed', () => {
    vi.useFakeTimers();
    const sent: string[][] = [];
    let selected: string | null = null;
    const focus = new ProgressFocus(async (ids) => Boolean(sent.push(ids)), () => selected, 100);
    for (let first = 0; first < 20; first++) focus.showRows([`r${first}`, `r${first + 1}`]); // a scroll, frame by frame
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([['r19', 'r20']]);
    focus.showRows(['r19', 'r20']);
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(1); // unchanged: nothing sent
    selected = 'r20';
    focus.changed();
    vi.advanceTimersByTime(100);
    expect(sent.at(-1)).toEqual(['r20', 'r19']); // the open item first, once
    focus.showRows([]);
    vi.advanceTimersByTime(100);
    expect(sent.at(-1)).toEqual(['r20']); // the list left the screen; the panel is still open
  });

  it('sends a focus main did not take again a second later, unless a newer one went since', async () => {
    vi.useFakeTimers();
    const sent: string[][] = [];
    const answers = [false, true];
    let refuseNext = false; // the call fails (no connection), rather than main answering
    const focus = new ProgressFocus(
      async (ids) => {
        sent.push(ids);
        if (refuseNext) throw new Error('connection refused');
        return answers.shift()!;
      },
      () => null,
      100,
      1000,
    );
    focus.showRows(['a', 'b']);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([['a', 'b']]); // not taken
    await vi.advanceTimersByTimeAsync(999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([['a', 'b'], ['a', 'b']]); // taken
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toHaveLength(2);

    refuseNext = true;
    focus.showRows(['c']);
    await vi.advanceTimersByTimeAsync(100);
    refuseNext = false;
    answers.push(false, true);
    focus.showRows(['d']); // the operator scrolls on before the retry: the newer focus goes, at once
    await vi.advanceTimersByTimeAsync(100);
    expect(sent.slice(2)).toEqual([['c'], ['d']]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent.slice(2)).toEqual([['c'], ['d'], ['d']]); // 'c' is never sent again
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toHaveLength(5);
  });
});
