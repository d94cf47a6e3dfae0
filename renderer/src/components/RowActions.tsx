// Pause/resume, cancel, retry failed, open output — the same buttons on a queue row and in the panel.

import type { ItemSummary } from '../../../shared/domain';
import { useApp } from '../store/store-context';
import type { ItemAction } from '../store/types';

export function availableActions(item: Pick<ItemSummary, 'state' | 'outDir'>): ItemAction[] {
  const actions: ItemAction[] = [];
  if (item.state === 'running' || item.state === 'waiting' || item.state === 'queued') actions.push('pause');
  if (item.state === 'paused') actions.push('resume');
  if (item.state === 'failed') actions.push('retry');
  if (item.state !== 'done' && item.state !== 'cancelled' && item.state !== 'failed') actions.push('cancel');
  if (item.outDir && (item.state === 'done' || item.state === 'failed')) actions.push('open-output');
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

export function RowActions({ item, className = 'row-actions' }: { item: ItemSummary; className?: string }) {
  const itemAction = useApp((s) => s.itemAction);
  const actions = availableActions(item);
  if (actions.length === 0) return null;
  return (
    <div className={className}>
      {actions.map((action) => (
        <button
          key={action}
          type="button"
          className={`btn btn-small${action === 'cancel' ? ' btn-quiet' : ''}`}
          aria-label={`${LABEL[action]} ${item.name}`}
          onClick={(event) => {
            event.stopPropagation();
            if (action === 'cancel' && !window.confirm(`Cancel “${item.name}”? Files already sent stay in the batch.`)) return;
            void itemAction(action, item.id);
          }}
        >
          {LABEL[action]}
        </button>
      ))}
    </div>
  );
}
