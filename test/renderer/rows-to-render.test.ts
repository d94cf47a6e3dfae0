// A virtualized list adds at most a few rows new to the page per frame, the rows in view first, so a
// jump never lays out a whole screenful in one frame; rows already rendered stay.
import { describe, expect, it } from 'vitest';
import { rowsToRender, type IndexRange } from '../../renderer/src/util/rows-to-render';

/** Frames until the whole of `rows` is rendered, starting from `rendered`: each frame's range. */
function framesUntilWhole(rows: IndexRange, inView: IndexRange, rendered: IndexRange | null, maxNew: number): IndexRange[] {
  const frames: IndexRange[] = [];
  for (let r = rendered; frames.length < 20; ) {
    r = rowsToRender(rows, inView, r, maxNew);
    frames.push(r);
    if (r.first === rows.first && r.last === rows.last) break;
  }
  return frames;
}

describe('rowsToRender', () => {
  it('renders a small scroll at once: only two rows are new', () => {
    expect(rowsToRender({ first: 12, last: 35 }, { first: 15, last: 32 }, { first: 10, last: 33 }, 8)).toEqual({ first: 12, last: 35 });
  });

  it('after a jump, fills the view top down a few rows a frame, then the overscan', () => {
    const frames = framesUntilWhole({ first: 497, last: 520 }, { first: 500, last: 517 }, { first: 40, last: 63 }, 8);
    expect(frames).toEqual([
      { first: 500, last: 507 },
      { first: 500, last: 515 },
      { first: 497, last: 520 }, // the view's last two rows, then the overscan below and above
    ]);
  });

  it('grows toward the view first when a scroll overlaps what is there', () => {
    // Scrolled up by 12 rows: the view's new rows are above.
    expect(rowsToRender({ first: 85, last: 108 }, { first: 88, last: 105 }, { first: 97, last: 120 }, 8)).toEqual({ first: 89, last: 108 });
  });

  it('never adds more than the budget, and never leaves the rows the virtualizer wants', () => {
    for (let jump = -60; jump <= 60; jump += 7) {
      const rendered = { first: 200, last: 223 };
      const rows = { first: 200 + jump, last: 223 + jump };
      const view = { first: rows.first + 3, last: rows.last - 3 };
      const r = rowsToRender(rows, view, rendered, 8);
      const added = [...Array(r.last - r.first + 1).keys()].map((k) => k + r.first).filter((i) => i < rendered.first || i > rendered.last).length;
      expect(added).toBeLessThanOrEqual(8);
      expect(r.first).toBeGreaterThanOrEqual(rows.first);
      expect(r.last).toBeLessThanOrEqual(rows.last);
    }
  });
});
