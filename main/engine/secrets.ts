// Every string that may carry the API key passes through `redact` before it is logged, shown,
// sent to the renderer or written to disk. Keys are registered the moment they enter main.

const secrets = new Set<string>();

export function registerSecret(value: string): void {
  if (value && value.length >= 4) secrets.add(value);
}

const API_KEY_PARAM = /([?&]api_key=)[^&#\s"']*/gi;

export function redact(text: string): string {
  let out = text.replace(API_KEY_PARAM, '$1***');
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('***');
    const encoded = encodeURIComponent(s);
    if (encoded !== s && out.includes(encoded)) out = out.split(encoded).join('***');
  }
  return out;
}

/**
 * `redact` for every string of a value (object keys too), copying only what changes. String by
 * string, not over the value's JSON text: a redaction there could cut an escape in two (`\"`)
 * and leave JSON that no longer parses.
 */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((v, i) => {
      const clean = redactValue(v);
      if (clean !== v) (out ??= value.slice())[i] = clean;
    });
    return (out ?? value) as T;
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const entries = Object.entries(value).map(([k, v]) => {
      const key = redact(k);
      const clean = redactValue(v);
      if (key !== k || clean !== v) changed = true;
      return [key, clean] as const;
    });
    return (changed ? Object.fromEntries(entries) : value) as T;
  }
  return value;
}

/** `••••••••3fa9`: enough to tell keys apart, never enough to use one. */
export function maskKey(key: string): string {
  return '••••••••' + key.slice(-4);
}
