// Chromium asks the browser process, synchronously, for each font face (family and weight) and for
// each size of it (a "strike") the first time a layout needs one. The console's screens use some 25
// of them, and those round trips all landed in its first layout (15-31 ms of a ~50 ms task on a
// busy 2-core machine), with the rest in the first layout of the item panel. warmUpFonts lays out
// one hidden word per face and size the stylesheet uses, in tasks of their own before the console
// starts, so those layouts find every font already resolved.
//
// The list follows styles.css (what getComputedStyle reports over every screen); a size it misses
// costs one round trip later, nothing else.

import { markPlatform } from './platform';

interface FaceSizes {
  family: 'var(--font)' | 'var(--mono)';
  weights: number[];
  sizes: number[];
}

/** Each group is one task of a handful of lookups. */
export const FONT_WARM_UP_GROUPS: FaceSizes[][] = [
  [{ family: 'var(--font)', weights: [400, 500], sizes: [11, 11.5, 12, 13] }],
  [{ family: 'var(--font)', weights: [600, 650, 700], sizes: [11, 12, 13, 14, 15, 17, 20] }],
  [{ family: 'var(--mono)', weights: [400, 600], sizes: [11, 12] }],
];

/** Resolves the fonts of one group now, in this task. */
export function warmUpFonts(group: readonly FaceSizes[], doc: Document = document): void {
  // The mono stack depends on the platform (styles.css): mark it before resolving.
  markPlatform(doc.documentElement);
  const box = doc.createElement('div');
  box.setAttribute('aria-hidden', 'true');
  box.style.cssText = 'position:absolute;left:-10000px;top:0;visibility:hidden;white-space:nowrap;pointer-events:none';
  for (const face of group) {
    for (const weight of face.weights) {
      for (const size of face.sizes) {
        const word = doc.createElement('span');
        word.style.cssText = `font-family:${face.family};font-weight:${weight};font-size:${size}px`;
        word.textContent = 'Ag0';
        box.appendChild(word);
      }
    }
  }
  doc.body.appendChild(box);
  void box.offsetWidth; // lays the words out now, which resolves their fonts
  box.remove();
}
