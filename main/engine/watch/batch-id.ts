// Batch ids for a watch: prefix + UTC timestamp + counter. The counter is journaled, so an id is
// never generated twice for one watch even if the clock goes backwards.

import { BATCH_ID_MAX, batchIdProblem, idSlug } from '../../../shared/ids';

/** Lower-case, `[a-z0-9_-]`, short enough to leave room for the stamp and counter. */
export function sanitizePrefix(label: string): string {
  return idSlug(label, 32).replace(/-+$/, '') || 'watch';
}

export function watchBatchId(prefix: string, seq: number, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15); // 20260129-071502
  const tail = `-${stamp}-${seq}`;
  const id = sanitizePrefix(prefix).slice(0, BATCH_ID_MAX - tail.length) + tail;
  const problem = batchIdProblem(id);
  if (problem) throw new Error(problem);
  return id;
}
