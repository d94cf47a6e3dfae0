// The session token of `batch-desk serve`: random, compared in constant time.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newSessionToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time: both sides are hashed first, so neither length nor content leaks through timing. */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of a request: `Authorization: Bearer <t>` or, for EventSource, `?token=<t>`. */
export function requestToken(authorization: string | undefined, url: URL): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (m) return m[1]!;
  return url.searchParams.get('token');
}
