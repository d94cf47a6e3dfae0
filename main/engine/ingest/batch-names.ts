// Batch names: each planned file's unique, readable name inside the staging batch, derived from its
// path below the root (`cams/north/img_001.jpg` → `cams__north__img_001.jpg`). Stable across runs
// (pure function of the path and walk order), unique case-insensitively, long names shortened with
// a short hash suffix that keeps the extension, non-ASCII kept (NFC).

import { createHash } from 'node:crypto';

/** Longest batch name, in characters (the service allows 255; shorter names read better in tools). */
export const MAX_BATCH_NAME = 120;
const SEPARATOR = '__';
// Characters that are unsafe in file names on some system, plus controls.
const UNSAFE = /[\u0000-\u001f\u007f/\\:*?"<>|]/g;

export function shortHash(text: string, length = 8): string {
  return createHash('sha1').update(text).digest('hex').slice(0, length);
}

function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || name.length - dot > 12) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

/** Cuts to at most `max` characters without splitting a surrogate pair. */
function cutChars(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}

/** The readable name for a path (segments from the root's name to the file name). */
export function baseBatchName(segments: string[]): string {
  const clean = segments.map((s) => nfc(s).replace(UNSAFE, '_'));
  const joined = clean.join(SEPARATOR);
  if (joined.length <= MAX_BATCH_NAME) return joined;
  const [stem, ext] = splitExtension(joined);
  const suffix = `~${shortHash(segments.join('/'))}`;
  return cutChars(stem, MAX_BATCH_NAME - ext.length - suffix.length) + suffix + ext;
}

/** Adds a disambiguating suffix before the extension, keeping the total length in bounds. */
export function withSuffix(name: string, suffix: string): string {
  const [stem, ext] = splitExtension(name);
  return cutChars(stem, MAX_BATCH_NAME - ext.length - suffix.length) + suffix + ext;
}

const ASCII = /^[\x00-\x7f]*$/;

function nfc(text: string): string {
  return ASCII.test(text) ? text : text.normalize('NFC');
}

/**
 * A set of 53-bit keys in open-addressing Float64Arrays (8 bytes a slot, load ≤ 0.5): a million
 * names cost 32 MB at most, with no per-entry objects for the garbage collector to trace. The keys
 * are spread over 64 tables that grow one at a time, so no single rehash stalls the event loop (one
 * table of a million keys took 160 ms to grow on a busy machine; a 64th of it takes a few ms).
 */
export class KeySet {
  private readonly tables = Array.from({ length: TABLES }, () => new Float64Array(1 << 6));
  private readonly counts = new Uint32Array(TABLES);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds the key; false when it was already there. */
  add(key: number): boolean {
    const k = key + 1;
    const h = mix(k);
    const t = h >>> TABLE_SHIFT;
    if ((this.counts[t]! + 1) * 2 > this.tables[t]!.length) this.grow(t);
    const added = insert(this.tables[t]!, k, h);
    if (added) {
      this.counts[t]!++;
      this.count++;
    }
    return added;
  }

  has(key: number): boolean {
    const k = key + 1;
    const h = mix(k);
    const slots = this.tables[h >>> TABLE_SHIFT]!;
    const mask = slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = slots[i]!;
      if (v === 0) return false;
      if (v === k) return true;
    }
  }

  private grow(t: number): void {
    const old = this.tables[t]!;
    const slots = new Float64Array(old.length * 2);
    for (const v of old) if (v !== 0) insert(slots, v, mix(v));
    this.tables[t] = slots;
  }
}

const TABLES = 64;
/** The top 6 bits of the mixed key pick the table; the low bits pick the slot. */
const TABLE_SHIFT = 26;

function mix(k: number): number {
  const lo = k >>> 0;
  const hi = Math.floor(k / 4294967296) >>> 0;
  return Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 0;
}

function insert(slots: Float64Array, k: number, h: number): boolean {
  const mask = slots.length - 1;
  for (let i = h & mask; ; i = (i + 1) & mask) {
    const v = slots[i]!;
    if (v === 0) {
      slots[i] = k;
      return true;
    }
    if (v === k) return false;
  }
}

/**
 * Remembers names already used in a batch, case-insensitively. Keeps a 53-bit hash of each name, not
 * the name, so a million names cost tens of MB; a hash clash only causes an unnecessary rename,
 * never a duplicate.
 */
export class NameRegistry {
  private readonly seen = new KeySet();
  private added = 0;

  get size(): number {
    return this.added;
  }

  has(name: string): boolean {
    return this.seen.has(nameKey(name));
  }

  add(name: string): void {
    if (this.seen.add(nameKey(name))) this.added++;
  }

  /** Returns the name to use: the wanted one, or a suffixed one when it is taken. */
  claim(wanted: string, sourcePath: string): string {
    if (!this.has(wanted)) {
      this.add(wanted);
      return wanted;
    }
    const tag = shortHash(sourcePath, 6);
    for (let n = 1; ; n++) {
      const candidate = withSuffix(wanted, n === 1 ? `~${tag}` : `~${tag}-${n}`);
      if (!this.has(candidate)) {
        this.add(candidate);
        return candidate;
      }
    }
  }
}

/** 53-bit hash of the case-folded name (two independent 32-bit FNV-1a variants). */
export function nameKey(name: string): number {
  const s = nfc(name).toLowerCase();
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}
