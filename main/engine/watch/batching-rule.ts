// The batching rule: the open batch closes Q seconds after its last file, at N files, or T minutes
// after its first file, whichever comes first.

import type { BatchingRule } from '../../../shared/domain';

export const DEFAULT_RULE: BatchingRule = { quietSeconds: 30, maxFiles: 1000, maxMinutes: 10 };

export interface OpenBatchTiming {
  files: number;
  /** ms epoch of the first and the latest file taken into the open batch. */
  firstAt: number;
  lastAt: number;
}

/** When the open batch closes by time (the file-count limit closes it on the spot); null if empty. */
export function closeTime(rule: BatchingRule, open: OpenBatchTiming): number | null {
  if (open.files === 0) return null;
  return Math.min(open.lastAt + rule.quietSeconds * 1000, open.firstAt + rule.maxMinutes * 60_000);
}

export function isFull(rule: BatchingRule, files: number): boolean {
  return files >= rule.maxFiles;
}

/** A readable problem with the rule, or null. */
export function ruleProblem(rule: BatchingRule): string | null {
  if (!(rule.quietSeconds > 0)) return 'Quiet seconds must be more than 0.';
  if (!Number.isInteger(rule.maxFiles) || rule.maxFiles < 1) return 'Max files must be a whole number of at least 1.';
  if (!(rule.maxMinutes > 0)) return 'Max minutes must be more than 0.';
  return null;
}

export function describeRule(rule: BatchingRule): string {
  return `a batch closes after ${rule.quietSeconds} s without a new file, at ${rule.maxFiles} files, or ${rule.maxMinutes} min after its first file`;
}
