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

/** `••••••••3fa9`: enough to tell keys apart, never enough to use one. */
export function maskKey(key: string): string {
  return '••••••••' + key.slice(-4);
}
