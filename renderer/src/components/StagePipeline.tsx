// The stage pipeline of an item: scan → upload → indexing → processing → export → done.
// Compact (a queue row): one dot per stage in one box, the joining line drawn as the box's background,
// since a scroll renders a screenful of fresh rows in one frame and every element in a row costs style,
// layout and paint there. Full (the item panel): a list of dots with the stages' names.

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
  const description = `Stages: ${shown.map((s) => `${SHORT[s]} ${stages[s]}`).join(', ')}`;
  if (compact) {
    return (
      <span className="stages-compact" role="img" aria-label={description}>
        {shown.map((stage) => (
          <span key={stage} className={`stage-dot dot-${stages[stage]}`} data-stage={stage} data-state={stages[stage]} title={`${SHORT[stage]}: ${stages[stage]}`} />
        ))}
      </span>
    );
  }
  return (
    <ol className="stages" aria-label={description}>
      {shown.map((stage) => (
        <li key={stage} className={`stage stage-${stages[stage]}`} data-stage={stage} data-state={stages[stage]} title={`${SHORT[stage]}: ${stages[stage]}`}>
          <span className={`stage-dot dot-${stages[stage]}`} aria-hidden="true" />
          <span className="stage-name">{SHORT[stage]}</span>
        </li>
      ))}
    </ol>
  );
}
