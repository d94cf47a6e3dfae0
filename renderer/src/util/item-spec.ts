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
  return { spec: { roots, pipeline: 'full', job: { ...job, workflowId } as JobOptions, outDir }, ingestOnlyReason: null };
}
