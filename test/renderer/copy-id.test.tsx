// @vitest-environment jsdom
// The Copy button says whether the id reached the clipboard: "Copied", or "Couldn't copy" when the
// clipboard refuses it (as Electron did while every permission was denied), never silence.

import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CopyId } from '../../renderer/src/components/CopyId';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  Reflect.deleteProperty(navigator, 'clipboard');
});

describe('CopyId', () => {
  it('shows the failure when writeText rejects, and "Copied" when it resolves, each briefly', async () => {
    vi.useFakeTimers();
    const writeText = vi.fn().mockRejectedValueOnce(new DOMException('Write permission denied.', 'NotAllowedError')).mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    render(<CopyId label="Job" value="job-abc123" />);
    const button = screen.getByRole('button', { name: 'Copy job' });
    const click = async () => {
      fireEvent.click(button);
      await act(async () => undefined); // let writeText settle
    };

    await click();
    expect(writeText).toHaveBeenLastCalledWith('job-abc123');
    expect(button.textContent).toBe("Couldn't copy");
    act(() => vi.advanceTimersByTime(3000));
    expect(button.textContent).toBe('Copy');

    await click();
    expect(writeText).toHaveBeenCalledTimes(2);
    expect(button.textContent).toBe('Copied');
    act(() => vi.advanceTimersByTime(3000));
    expect(button.textContent).toBe('Copy');
  });
});
