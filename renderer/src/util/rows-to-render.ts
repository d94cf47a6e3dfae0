// Which rows a virtualized list renders in this frame. Every row new to the page costs the frame
// that follows its style, layout and paint (about 1 ms a row on the build machine, under load), so a
// jump (a long wheel turn, End, a scroll to an index) that lands where no row is rendered yet would
// lay out a whole screenful and its overscan in one frame. Instead at most `maxNew` new rows are
// added per frame, the rows in view first; rows already rendered cost nothing and stay. Small
// scrolls add fewer rows than that and render at once.

/** Row indexes from `first` to `last`, both included (empty when last < first). */
export interface IndexRange {
  first: number;
  last: number;
}

/**
 * The range to render now, within `rows` (what the virtualizer wants: the rows in view and the
 * overscan), given the range `rendered` in the last frame (null: none) and the rows in view.
 */
export function rowsToRender(rows: IndexRange, inView: IndexRange | null, rendered: IndexRange | null, maxNew: number): IndexRange {
  const view = inView ?? rows;
  const overlaps = rendered !== null && rendered.first <= rows.last && rendered.last >= rows.first;
  // Keep what is there; after a jump, start (empty) at the top of the view.
  let first = overlaps ? Math.max(rows.first, rendered.first) : Math.max(rows.first, view.first);
  let last = overlaps ? Math.min(rows.last, rendered.last) : first - 1;
  let budget = maxNew;
  // The rows in view first, then the overscan, downwards before upwards.
  for (const [low, high] of [
    [Math.max(rows.first, view.first), Math.min(rows.last, view.last)],
    [rows.first, rows.last],
  ] as const) {
    while (budget > 0 && last < high) {
      last++;
      budget--;
    }
    while (budget > 0 && first > low) {
      first--;
      budget--;
    }
  }
  return { first, last };
}
