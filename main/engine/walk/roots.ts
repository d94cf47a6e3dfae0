// Overlapping roots: a root that is the same folder or file as another root, or lies inside another
// root folder, would have its files planned and sent twice under two names (`cams__north__x.jpg` and
// `north__x.jpg`). Such a root is dropped, with a sentence for the operator. Roots are compared by
// real path, so `./cams`, `/abs/cams/` and a link to it are the same root.

import fs from 'node:fs';
import path from 'node:path';
import { isSystemFile } from '../../../shared/media';
import { isInside } from '../path-inside';

export interface DistinctRoots {
  /** The roots to walk, in the order given. */
  roots: string[];
  /** One sentence per dropped root. */
  notes: string[];
}

export async function distinctRoots(given: string[]): Promise<DistinctRoots> {
  if (given.length < 2) return { roots: given, notes: [] };
  const abs = given.map((r) => path.resolve(r));
  // A root that cannot be resolved is kept: the walk says why it cannot be read.
  const real = await Promise.all(abs.map((r) => fs.promises.realpath(r).catch(() => undefined)));
  // With the separator ordered before every other character, whatever lies inside a path sorts
  // right after it (`/a`, `/a/x`, `/a b`); ties keep the order given, so the first copy is kept.
  const key = real.map((p) => p?.split(path.sep).join('\0'));
  const order = [...given.keys()].filter((i) => key[i] !== undefined).sort((a, b) => (key[a]! < key[b]! ? -1 : key[a]! > key[b]! ? 1 : a - b));
  const dropped = new Map<number, string>();
  const enclosing: number[] = []; // kept roots around the current one, outermost first
  for (const i of order) {
    while (enclosing.length > 0 && !isWithin(real[i]!, real[enclosing.at(-1)!]!)) enclosing.pop();
    const outer = enclosing.at(-1);
    if (outer === undefined || !reachedFrom(real[outer]!, real[i]!)) {
      enclosing.push(i);
      continue;
    }
    dropped.set(
      i,
      real[i] !== real[outer]
        ? `${abs[i]} is inside ${abs[outer]}, also given; its files are sent once, as part of ${abs[outer]}.`
        : abs[i] === abs[outer]
          ? `${abs[i]} was given more than once; its files are sent once.`
          : `${abs[i]} is the same as ${abs[outer]}, also given; its files are sent once.`,
    );
  }
  const notes = given.flatMap((_, i) => dropped.get(i) ?? []);
  return { roots: given.filter((_, i) => !dropped.has(i)), notes: [...new Set(notes)] };
}

/** Inside `folder`, or `folder` itself. */
function isWithin(p: string, folder: string): boolean {
  return p === folder || isInside(p, folder);
}

/** Whether the walk of `outer` lists `inner`: it leaves out system files and folders (`.cache/…`). */
function reachedFrom(outer: string, inner: string): boolean {
  return path.relative(outer, inner).split(path.sep).every((s) => !isSystemFile(s));
}
