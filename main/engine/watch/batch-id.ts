// Batch ids for a watch: prefix + watch tag + UTC timestamp + counter. The counter is journaled, so
// an id is never generated twice for one watch even if the clock goes backwards; the tag (from the
// watch id) keeps two watches with the same prefix from closing a batch under the same id.

import { BATCH_ID_MAX, batchIdProblem, idSlug } from '../../../shared/ids';

/** Lower-case, `[a-z0-9_-]`, short enough to leave room for the tag, stamp and counter. */
export function sanitizePrefix(label: string): string {
  return idSlug(label, 32).replace(/-+$/, '') || 'watch';
}

/** The last characters of the watch id (the random part of the ids the manager makes). */
export function watchTag(watchId: string): string {
  return idSlug(watchId, BATCH_ID_MAX).slice(-6).replace(/^[-_]+/, '') || 'w';
}

export function watchBatchId(prefix: string, watchId: string, seq: number, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15); // 20260129-071502
  const tail = `-${watchTag(watchId)}-${stamp}-${seq}`;
  const id = sanitizePrefix(prefix).slice(0, BATCH_ID_MAX - tail.length) + tail;
  const problem = batchIdProblem(id);
  if (problem) throw new Error(problem);
  return id;
}
