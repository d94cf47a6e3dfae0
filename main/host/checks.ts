// Tiny hand-made runtime checks for values that crossed a trust boundary (IPC, HTTP). Each check
// either returns the value, typed, or throws a ValidationError naming the field and the rule.
// Pure: no I/O (paths are re-checked on disk by the handlers).

import path from 'node:path';

export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

export type Check<T> = (value: unknown, field: string) => T;

const fail = (field: string, rule: string): never => {
  throw new ValidationError(`${field} ${rule}.`);
};

export function str(opts: { min?: number; max?: number; pattern?: RegExp; rule?: string } = {}): Check<string> {
  const min = opts.min ?? 0;
  const max = opts.max ?? 10_000;
  return (v, field) => {
    if (typeof v !== 'string') return fail(field, 'must be text');
    if (v.length < min) return fail(field, min === 1 ? 'must not be empty' : `must be at least ${min} characters long`);
    if (v.length > max) return fail(field, `must be at most ${max} characters long`);
    if (v.includes('\0')) return fail(field, 'must not contain NUL characters');
    if (opts.pattern && !opts.pattern.test(v)) return fail(field, opts.rule ?? `has the wrong format`);
    return v;
  };
}

export function int(min: number, max: number): Check<number> {
  return (v, field) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) return fail(field, 'must be a whole number');
    if (v < min || v > max) return fail(field, `must be from ${min} to ${max}`);
    return v;
  };
}

export function num(min: number, max: number): Check<number> {
  return (v, field) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(field, 'must be a number');
    if (v < min || v > max) return fail(field, `must be from ${min} to ${max}`);
    return v;
  };
}

export const bool: Check<boolean> = (v, field) => (typeof v === 'boolean' ? v : fail(field, 'must be true or false'));

export function oneOf<const T extends readonly string[]>(values: T): Check<T[number]> {
  return (v, field) => (typeof v === 'string' && values.includes(v) ? (v as T[number]) : fail(field, `must be one of ${values.join(', ')}`));
}

export function arrayOf<T>(item: Check<T>, opts: { min?: number; max: number }): Check<T[]> {
  return (v, field) => {
    if (!Array.isArray(v)) return fail(field, 'must be a list');
    if (v.length < (opts.min ?? 0)) return fail(field, opts.min === 1 ? 'must not be empty' : `must have at least ${opts.min} entries`);
    if (v.length > opts.max) return fail(field, `must have at most ${opts.max} entries`);
    return v.map((x, i) => item(x, `${field}[${i}]`));
  };
}

/** Marks a key of `obj` as optional: absent (or undefined) is fine, anything else is checked. */
export interface Optional<T> {
  optional: true;
  check: Check<T>;
}
export function optional<T>(check: Check<T>): Optional<T> {
  return { optional: true, check };
}

type Shape = Record<string, Check<unknown> | Optional<unknown>>;
type Out<S extends Shape> = {
  [K in keyof S as S[K] extends Optional<unknown> ? never : K]: S[K] extends Check<infer T> ? T : never;
} & {
  [K in keyof S as S[K] extends Optional<unknown> ? K : never]?: S[K] extends Optional<infer T> ? T : never;
};

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A plain object with exactly these keys (unknown keys are refused, not dropped). */
export function obj<S extends Shape>(shape: S): Check<Out<S>> {
  return (v, field) => {
    if (!isPlainObject(v)) return fail(field, 'must be an object');
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      if (!Object.prototype.hasOwnProperty.call(shape, key)) return fail(`${field}.${key}`, 'is not a known field');
    }
    for (const [key, rule] of Object.entries(shape)) {
      const value = v[key];
      const sub = field ? `${field}.${key}` : key;
      if ('optional' in rule) {
        if (value !== undefined) out[key] = rule.check(value, sub);
      } else {
        if (value === undefined) return fail(sub, 'is required');
        out[key] = rule(value, sub);
      }
    }
    return out as Out<S>;
  };
}

/** JSON data (for Workflow parameters): plain objects, arrays, strings, finite numbers, booleans, null. */
export function jsonObject(maxBytes: number): Check<Record<string, unknown>> {
  return (v, field) => {
    if (!isPlainObject(v)) return fail(field, 'must be an object');
    const walk = (x: unknown, depth: number): void => {
      if (depth > 32) fail(field, 'is nested too deeply');
      if (x === null || typeof x === 'string' || typeof x === 'boolean') return;
      if (typeof x === 'number') {
        if (!Number.isFinite(x)) fail(field, 'must contain only finite numbers');
        return;
      }
      if (Array.isArray(x)) return x.forEach((y) => walk(y, depth + 1));
      if (isPlainObject(x)) return Object.values(x).forEach((y) => walk(y, depth + 1));
      fail(field, 'must contain only JSON values');
    };
    walk(v, 0);
    if (JSON.stringify(v).length > maxBytes) fail(field, `must be at most ${maxBytes} bytes as JSON`);
    return v;
  };
}

/** An absolute local path (the handler then checks it on disk). */
export const absolutePath: Check<string> = (v, field) => {
  const p = str({ min: 1, max: 4096 })(v, field);
  if (!path.isAbsolute(p)) return fail(field, 'must be an absolute path');
  return p;
};

/** An http(s) URL. */
export const httpUrl: Check<string> = (v, field) => {
  const s = str({ min: 1, max: 2048 })(v, field);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return fail(field, 'must be a URL such as https://api.roboflow.com');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return fail(field, 'must start with http:// or https://');
  if (u.username || u.password) return fail(field, 'must not contain a user name or password');
  return s;
};

/** Something from a rule function of shared/ids.ts: null = fine, else the reason. */
export function ruled(problem: (s: string) => string | null): Check<string> {
  return (v, field) => {
    const s = str({ max: 1000 })(v, field);
    const why = problem(s);
    if (why) throw new ValidationError(`${field}: ${why}`);
    return s;
  };
}

/** Ids we make ourselves (items, profiles, watches): safe as a folder name, never a path. */
export const localId: Check<string> = str({
  min: 1,
  max: 80,
  pattern: /^[A-Za-z0-9][A-Za-z0-9_-]*$/,
  rule: 'must be an id made of letters, digits, "-" and "_"',
});
