// What `run`, `ingest` and `process` refuse before they create an item, so nothing is sent:
// an output folder inside an input folder, and an item that repeats an unfinished one. Operators
// rerun the same command after Ctrl-C; a second item would upload the files again and start a second
// paid job, and two items writing one --out would overwrite each other's results.jsonl.

import fs from 'node:fs';
import path from 'node:path';
import type { ItemSpec, ItemSummary } from '../../shared/domain';
import { isInside } from '../engine/path-inside';
import { isFinished, type ItemRecord } from '../engine/pipeline/item-record';
import { CliError } from './command';

export type ItemCommand = 'run' | 'ingest' | 'process';

/** The items of the data folder, as the Engine holds them (read, not run). */
export interface ExistingItems {
  list(): ItemSummary[];
  get(id: string): ItemRecord | undefined;
}

/**
 * The same refusal as `watch`'s (main/engine/watch/manager.ts validateSpec): results written inside
 * an input folder would be taken as input by the next run of the same folders.
 */
export function refuseOutInsideInput(roots: string[], outDir: string): void {
  const out = canonical(outDir);
  for (const root of roots) {
    const input = canonical(root);
    if (out === input || isInside(out, input)) {
      throw new CliError(
        `--out ${outDir} is inside the input folder ${root}: the next run of that folder would take the results as new files. Choose an --out outside ${root}.`,
      );
    }
  }
}

/**
 * Refuses `spec` when an unfinished item (not done, failed or cancelled: queued, running, waiting —
 * an interrupted one stays so — or paused) writes to the same --out, whatever its command, or
 * repeats the same work: for `run`, the same input folders; for `ingest`, the same batch and
 * folders; for `process`, the same batch and Workflow. The newest such item is named.
 */
export function refuseDuplicateOfUnfinished(items: ExistingItems, spec: ItemSpec, command: ItemCommand): void {
  const outDir = spec.outDir ? canonical(spec.outDir) : undefined;
  const roots = canonicalSet(spec.roots);
  for (const summary of items.list()) {
    if (isFinished(summary.state)) continue;
    const existing = items.get(summary.id);
    if (!existing) continue;
    const existingOut = existing.outDir ?? existing.spec.outDir;
    if (outDir && existingOut && canonical(existingOut) === outDir) {
      throw new CliError(
        `${describe(existing)} writes its results to ${existingOut} too; two items would overwrite each other's results.jsonl. ` +
          howToGoOn(existing, 'choose another --out'),
      );
    }
    const sameRoots = roots.size > 0 && sameSet(roots, canonicalSet(existing.spec.roots));
    const sameBatch = spec.batchId !== undefined && existing.batchId === spec.batchId;
    if (command === 'run' && sameRoots) {
      throw new CliError(
        `${describe(existing)} is for the same folders (${existing.spec.roots.join(', ')}); another run would upload them again and start a second job. ` +
          howToGoOn(existing),
      );
    }
    if (command === 'ingest' && sameRoots && sameBatch) {
      throw new CliError(
        `${describe(existing)} is for the same folders into batch ${existing.batchId}; another ingest would upload them again. ` +
          howToGoOn(existing),
      );
    }
    const workflowId = spec.job?.workflowId;
    if (command === 'process' && sameBatch && workflowId !== undefined && existing.spec.job?.workflowId === workflowId) {
      throw new CliError(
        `${describe(existing)} runs Workflow ${workflowId} on batch ${existing.batchId}; another process would start a second job. ` +
          howToGoOn(existing),
      );
    }
  }
}

function describe(r: ItemRecord): string {
  // The CLI holds the data folder's lock, so an item still marked running here was interrupted.
  const how = r.state === 'paused' ? 'paused' : 'interrupted';
  return `Unfinished item ${r.id} (${r.name}, ${how} at ${r.stage})`;
}

function howToGoOn(r: ItemRecord, alternative?: string): string {
  return `Run \`batch-desk resume ${r.id}\` to continue it${alternative ? `, ${alternative}` : ''}, or cancel it in the app (or \`batch-desk serve\`) to start anew.`;
}

/** The absolute path with symbolic links resolved, as far as it exists (an --out may not yet). */
function canonical(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync.native(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(canonical(parent), path.basename(abs));
  }
}

function canonicalSet(paths: string[]): Set<string> {
  return new Set(paths.map(canonical));
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
