// @vitest-environment jsdom
// useAfterPaint: the item panel appears over the list first and the list narrows a painted frame
// later (App.tsx), so a `true` must wait for a frame while a `false` (closing) is immediate.

import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { useAfterPaint } from '../../renderer/src/util/use-after-paint';

afterEach(cleanup);

function Probe({ value }: { value: boolean }) {
  return <output>{String(useAfterPaint(value))}</output>;
}

describe('useAfterPaint', () => {
  it('turns on only after an animation frame, and off at once', async () => {
    const { rerender } = render(<Probe value={false} />);
    expect(screen.getByRole('status').textContent).toBe('false');
    let frames = 0;
    const countFrame = () => {
      frames++;
    };
    requestAnimationFrame(countFrame);
    act(() => rerender(<Probe value={true} />));
    expect(screen.getByRole('status').textContent).toBe('false');
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('true'));
    expect(frames).toBe(1);
    act(() => rerender(<Probe value={false} />));
    expect(screen.getByRole('status').textContent).toBe('false');
  });

  it('waits for a new frame each time it turns on again', async () => {
    const { rerender } = render(<Probe value={false} />);
    act(() => rerender(<Probe value={true} />));
    act(() => rerender(<Probe value={false} />));
    await new Promise((resolve) => setTimeout(resolve, 100));
    act(() => rerender(<Probe value={true} />));
    expect(screen.getByRole('status').textContent).toBe('false');
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('true'));
  });
});
