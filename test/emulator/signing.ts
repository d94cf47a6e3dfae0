// HMAC-signed storage URLs (a stand-in for GCS V4 signed URLs).
//
// Upload:   /_storage/up/<token>?expires=<unix ms>&sig=<hex>
// Download: /_storage/obj/<objectId>?expires=<unix ms>&sig=<hex>
// sig = HMAC-SHA256(secret, METHOD \n pathname \n expires \n canonical(extensionHeaders))

import { createHmac, timingSafeEqual } from 'node:crypto';

export function canonicalHeaders(h: Record<string, string>): string {
  const m = new Map(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v.trim()] as const));
  return [...m.keys()]
    .sort()
    .map((k) => `${k}:${m.get(k) ?? ''}`)
    .join('\n');
}

export class Signer {
  constructor(private readonly secret: Buffer) {}

  sign(method: string, pathname: string, expires: number, headers: Record<string, string> = {}): string {
    return createHmac('sha256', this.secret)
      .update(`${method}\n${pathname}\n${expires}\n${canonicalHeaders(headers)}`)
      .digest('hex');
  }

  /** Returns the query string (without `?`). */
  query(method: string, pathname: string, expires: number, headers: Record<string, string> = {}): string {
    return `expires=${expires}&sig=${this.sign(method, pathname, expires, headers)}`;
  }

  verify(method: string, pathname: string, expires: number, sig: string, headers: Record<string, string> = {}): boolean {
    const want = Buffer.from(this.sign(method, pathname, expires, headers), 'hex');
    let got: Buffer;
    try {
      got = Buffer.from(sig, 'hex');
    } catch {
      return false;
    }
    return got.length === want.length && timingSafeEqual(got, want);
  }
}
