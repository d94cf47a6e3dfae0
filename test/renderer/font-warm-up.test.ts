// @vitest-environment jsdom
// The font warm-up lays out its words and leaves the page as it found it: nothing to read, click or
// see remains, whatever the console renders next.

import { describe, expect, it } from 'vitest';
import { FONT_WARM_UP_GROUPS, warmUpFonts } from '../../renderer/src/util/font-warm-up';

describe('font warm-up', () => {
  it('lays out every face and size of a group, then removes them', () => {
    const added: Element[] = [];
    const observer = new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach((n) => added.push(n as Element))));
    observer.observe(document.body, { childList: true });
    const before = document.body.innerHTML;
    for (const group of FONT_WARM_UP_GROUPS) warmUpFonts(group);
    observer.takeRecords().forEach((r) => r.addedNodes.forEach((n) => added.push(n as Element)));
    observer.disconnect();

    expect(document.body.innerHTML).toBe(before);
    expect(added).toHaveLength(FONT_WARM_UP_GROUPS.length);
    for (const box of added) expect(box.getAttribute('aria-hidden')).toBe('true');
    const words = added.flatMap((box) => [...box.querySelectorAll('span')].map((s) => `${s.style.fontFamily} ${s.style.fontWeight} ${s.style.fontSize}`));
    expect(words).toContain('var(--font) 400 13px');
    expect(words).toContain('var(--font) 600 17px');
    expect(words).toContain('var(--mono) 400 11px');
    expect(document.documentElement.dataset.platform).toBeDefined();
  });
});
