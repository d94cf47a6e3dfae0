// The set of used batch names (as 53-bit keys) must never forget a name, or two files would get the
// same name in a batch; it grows table by table, so this checks it across many growths.
import { describe, expect, it } from 'vitest';
import { KeySet } from '../../main/engine/ingest/batch-names';

describe('KeySet', () => {
  it('remembers every key across growth, finds no key it was not given, and refuses repeats', () => {
    const set = new KeySet();
    const key = (i: number) => (i * 2654435761) % 2 ** 53; // spread over the 53-bit range, includes 0
    const n = 300_000;
    for (let i = 0; i < n; i++) expect(set.add(key(i))).toBe(true);
    expect(set.size).toBe(n);
    let missing = 0;
    let phantom = 0;
    for (let i = 0; i < n; i++) if (!set.has(key(i))) missing++;
    for (let i = n; i < 2 * n; i++) if (set.has(key(i))) phantom++;
    expect({ missing, phantom }).toEqual({ missing: 0, phantom: 0 });
    expect(set.add(key(123))).toBe(false);
    expect(set.add(2 ** 53 - 1)).toBe(true);
    expect(set.has(2 ** 53 - 1)).toBe(true);
    expect(set.size).toBe(n + 1);
  });
});
