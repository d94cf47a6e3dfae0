// Delays a flag's `true` by one painted frame, so that what a component renders for `value` and what
// it renders for the delayed flag land in different frames: for two changes that are cheap apart
// and a long task together.

import { useEffect, useState } from 'react';

/** `value`, but a `true` reaches the caller one painted frame later; a `false` at once. */
export function useAfterPaint(value: boolean): boolean {
  const [painted, setPainted] = useState(false);
  useEffect(() => {
    if (!value) {
      setPainted(false);
      return;
    }
    // The animation frame runs just before the frame that paints `value`; the timer, after it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => setPainted(true));
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [value]);
  return value && painted;
}
