// Ids made from folder names stay readable and within the service's rules (roboflow-api.md 7.1).

import { describe, expect, it } from 'vitest';
import { BATCH_ID_MAX, batchIdFromLabel, batchIdProblem, jobIdProblem, newJobId } from '../../shared/ids';
import { sanitizePrefix, watchBatchId } from '../../main/engine/watch/batch-id';

describe('ids from labels', () => {
  it('a batch id keeps the folder name readable: accents dropped, other characters as "-"', () => {
    expect(batchIdFromLabel('Café Nord / Cam 2', 'abc123')).toBe('cafe-nord-cam-2-abc123');
    expect(batchIdFromLabel('***', 'abc123')).toBe('batch-abc123');
    const long = batchIdFromLabel('x'.repeat(200), 'abc123');
    expect(long).toHaveLength(BATCH_ID_MAX);
    expect(batchIdProblem(long)).toBeNull();
  });

  it('a watch prefix is at most 32 characters and never ends in "-"', () => {
    expect(sanitizePrefix('Dock Cams — Night')).toBe('dock-cams-night');
    expect(sanitizePrefix(`${'a'.repeat(31)} b`)).toBe('a'.repeat(31));
    expect(sanitizePrefix('!!!')).toBe('watch');
    const id = watchBatchId('Dock Cams', 'w-20261129-ab12cd', 7, new Date('2026-11-29T07:15:02Z'));
    expect(id).toBe('dock-cams-ab12cd-20261129-071502-7');
    expect(batchIdProblem(id)).toBeNull();
  });

  it('two watches with the same prefix, closing at the same second with the same counter, get different ids', () => {
    const when = new Date('2026-11-29T07:15:02Z');
    expect(watchBatchId('cams', 'w-20261129-aaaaaa', 1, when)).not.toBe(watchBatchId('cams', 'w-20261129-bbbbbb', 1, when));
  });

  it('generated job ids follow the rules', () => {
    const id = newJobId();
    expect(id).toMatch(/^job-[a-z0-9]{12}$/);
    expect(jobIdProblem(id)).toBeNull();
    expect(jobIdProblem('Job_1')).toMatch(/lower-case/);
    expect(jobIdProblem('j'.repeat(21))).toMatch(/at most 20/);
  });
});
