// The compact stage pipeline of an item: scan → upload → indexing → processing → export → done.

import { STAGES, type StageName, type StageState } from '../../../shared/domain';

const SHORT: Record<StageName, string> = {
  scan: 'Scan',
  upload: 'Upload',
  indexing: 'Index',
  processing: 'Process',
  export: 'Export',
  done: 'Done',
};

export function StagePipeline({ stages, compact = true }: { stages: Record<StageName, StageState>; compact?: boolean }) {
  const shown = STAGES.filter((s) => stages[s] !== 'skipped');
  const description = shown.map((s) => `${SHORT[s]} ${stages[s]}`).join(', ');
  return (
    <ol className={`stages${compact ? ' stages-compact' : ''}`} aria-label={`Stages: ${description}`}>
      {shown.map((stage) => (
        <li key={stage} className={`stage stage-${stages[stage]}`} data-stage={stage} data-state={stages[stage]} title={`${SHORT[stage]}: ${stages[stage]}`}>
          <span className="stage-dot" aria-hidden="true" />
          {compact ? null : <span className="stage-name">{SHORT[stage]}</span>}
        </li>
      ))}
    </ol>
  );
}
