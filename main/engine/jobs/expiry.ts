// Staging data lives 7 days. The item carries the earliest expiry of what it still needs (inputs
// while processing, outputs while exporting) and a plain warning when that is under 24 hours.

import type { StepContext } from '../pipeline/step';

const WARN_WITHIN_MS = 24 * 3600_000;
const OUR_WARNING = /^(Inputs|Results) expire/;

export function expiryWarning(what: 'Inputs' | 'Results', expiresAt: string, now = Date.now()): string | null {
  const t = Date.parse(expiresAt);
  if (!Number.isFinite(t)) return null;
  const left = t - now;
  if (left > WARN_WITHIN_MS) return null;
  if (left <= 0) return `${what} expired at ${new Date(t).toISOString()}.`;
  const hours = Math.max(1, Math.round(left / 3600_000));
  return `${what} expire in ${hours} hour${hours === 1 ? '' : 's'}.`;
}

/** Records the expiry on the item and replaces our own warning (other steps' warnings are kept). */
export function noteExpiry(ctx: StepContext, what: 'Inputs' | 'Results', expiryDates: (string | undefined)[]): void {
  const known = expiryDates.filter((d): d is string => !!d && Number.isFinite(Date.parse(d)));
  if (known.length === 0) return;
  const earliest = known.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b));
  const expiresAt = new Date(Date.parse(earliest)).toISOString();
  const warning = expiryWarning(what, expiresAt);
  const warnings = ctx.item.warnings.filter((w) => !OUR_WARNING.test(w));
  if (warning) warnings.push(warning);
  if (ctx.item.expiresAt === expiresAt && warnings.join('\n') === ctx.item.warnings.join('\n')) return;
  ctx.patch({ expiresAt, warnings });
}
