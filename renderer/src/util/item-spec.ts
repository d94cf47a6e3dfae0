// What a drop (or "Add folder") asks for: the pipeline chosen in Settings with the default job and
// output folder; without a workflow or output folder the item is ingest-only, and we say why.

import type { ItemSpec, JobOptions, Settings } from '../../../shared/domain';

export interface DropPlan {
  spec: ItemSpec;
  /** Why the item will stop after ingest although Settings ask for the whole pipeline; null when it will not. */
  ingestOnlyReason: string | null;
}

export function specForRoots(roots: string[], settings: Settings | undefined): DropPlan {
  const wantsFull = (settings?.pipelineOnDrop ?? 'full') === 'full';
  const workflowId = settings?.defaultJob.workflowId?.trim();
  const outDir = settings?.defaultOutDir?.trim();
  if (!wantsFull) return { spec: { roots, pipeline: 'ingest' }, ingestOnlyReason: null };
  if (!workflowId) {
    return {
      spec: { roots, pipeline: 'ingest' },
      ingestOnlyReason: 'No default workflow is set, so this item is ingested only. Start processing from the item, or set a workflow in Settings.',
    };
  }
  if (!outDir) {
    return {
      spec: { roots, pipeline: 'ingest' },
      ingestOnlyReason: 'No default output folder is set, so this item is ingested only. Start processing from the item, or set one in Settings.',
    };
  }
  // A remembered job id would collide with the last job; every item gets a fresh one.
  const { jobId: _omit, ...job } = settings!.defaultJob;
  void _omit;
  return { spec: { roots, pipeline: 'full', job: { ...job, workflowId } as JobOptions, outDir: itemOutDir(outDir, roots[0] ?? 'item') }, ingestOnlyReason: null };
}

/**
 * Each item writes into its own folder under the default output folder, named after the source
 * folder and the time it was added, so two drops never write into each other's results.
 */
export function itemOutDir(base: string, root: string, at: Date = new Date()): string {
  const windows = base.includes('\\') && !base.includes('/');
  const sep = windows ? '\\' : '/';
  const name = root.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || 'item';
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
  return `${base.replace(/[\\/]+$/, '')}${sep}${name.replace(/[<>:"|?*]/g, '_')}-${stamp}`;
}
