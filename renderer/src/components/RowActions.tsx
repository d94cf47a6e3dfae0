// Pause/resume, cancel, retry failed (or restart a failed job), open output — the same buttons on a
// queue row and in the panel.

import type { ItemSummary } from '../../../shared/domain';
import { useApp } from '../store/store-context';
import type { ItemAction } from '../store/types';

export function availableActions(item: Pick<ItemSummary, 'state' | 'outDir' | 'stages'>): ItemAction[] {
  const actions: ItemAction[] = [];
  if (item.state === 'running' || item.state === 'waiting' || item.state === 'queued') actions.push('pause');
  if (item.state === 'paused') actions.push('resume');
  if (item.state === 'failed') actions.push('retry');
  if (item.state !== 'done' && item.state !== 'cancelled' && item.state !== 'failed') actions.push('cancel');
  // The output folder is made by the export: an item that failed before it has nothing to show.
  if (item.outDir && (item.state === 'done' || (item.state === 'failed' && item.stages.export === 'failed'))) actions.push('open-output');
  return actions;
}

const LABEL: Record<ItemAction, string> = {
  pause: 'Pause',
  resume: 'Resume',
  cancel: 'Cancel',
  retry: 'Retry failed',
  'open-output': 'Open output',
  'abort-job': 'Abort job',
};

type ActionTarget = Pick<ItemSummary, 'name' | 'state' | 'error' | 'stages'>;

/**
 * The job of a failed item that failed (or was aborted) on the service: the one job main can
 * restart. Every "Restart job" button asks this, so none is offered where main would refuse it.
 */
export function failedJobOf(item: Pick<ItemSummary, 'state' | 'error'>): string | undefined {
  return item.state === 'failed' ? item.error?.failedJobId : undefined;
}

/** A retry of an item whose job failed on the service restarts that job there: the button says so. */
export function actionLabel(action: ItemAction, item: ActionTarget): string {
  return action === 'retry' && failedJobOf(item) ? 'Restart job' : LABEL[action];
}

/** Asks first before what cannot be taken back: cancelling, and running a failed job again (paid). */
export function confirmAction(action: ItemAction, item: ActionTarget): boolean {
  if (action === 'cancel') {
    const job = item.stages.processing === 'active' ? ' Its job is aborted on Roboflow.' : '';
    return window.confirm(`Cancel “${item.name}”?${job} Files already sent stay in the batch.`);
  }
  const failedJob = action === 'retry' ? failedJobOf(item) : undefined;
  if (failedJob) {
    return window.confirm(`Restart job ${failedJob} of “${item.name}” on Roboflow? It runs again and uses compute again.`);
  }
  return true;
}

export function RowActions({ item, className = 'row-actions' }: { item: ItemSummary; className?: string }) {
  const itemAction = useApp((s) => s.itemAction);
  const actions = availableActions(item);
  if (actions.length === 0) return null;
  return (
    <div className={className}>
      {actions.map((action) => (
        <button
          // Pause and Resume share one button, so keyboard focus stays on it as it flips
          key={action === 'pause' || action === 'resume' ? 'pause-resume' : action}
          type="button"
          className={`btn btn-small${action === 'cancel' ? ' btn-quiet' : ''}`}
          aria-label={`${actionLabel(action, item)} ${item.name}`}
          onClick={(event) => {
            event.stopPropagation();
            if (confirmAction(action, item)) void itemAction(action, item.id);
          }}
        >
          {actionLabel(action, item)}
        </button>
      ))}
    </div>
  );
}
