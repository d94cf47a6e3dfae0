// Tolerant reading of the service's JSON: unknown fields are ignored, numbers accepted where
// strings are expected, and only a missing required field is an error (roboflow-api.md 1.6).

import { ApiError } from './http';

export function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function arrayOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A page token; null (or absent, or empty) means the last page. */
export function tokenOf(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

export function optionalString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

export function requiredString(v: unknown, field: string): string {
  const s = optionalString(v);
  if (s === undefined) throw new ApiError(`The service sent a response without "${field}".`, 'remote', 'parse response');
  return s;
}

/** Pydantic's line between epoch seconds and epoch milliseconds. */
const EPOCH_MS_ABOVE = 2e10;

/**
 * A datetime field as an ISO 8601 string, so Date.parse reads it. The service sends ISO strings,
 * but the official client's parser (pydantic) also takes Unix epoch numbers (roboflow-api.md 1.6),
 * as numbers or numeric text: seconds, or milliseconds beyond 2e10 as pydantic reads them.
 */
export function optionalTimestamp(v: unknown): string | undefined {
  const epoch = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : undefined;
  if (epoch === undefined) return typeof v === 'string' ? v : undefined;
  if (!Number.isFinite(epoch)) return undefined;
  const at = new Date(Math.abs(epoch) > EPOCH_MS_ABOVE ? epoch : epoch * 1000);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}
