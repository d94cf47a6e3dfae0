// One thin bar for the active stage; null fraction draws an indeterminate sweep.

export function ProgressBar({ fraction, label, tone = 'active' }: { fraction: number | null; label: string; tone?: 'active' | 'done' | 'failed' | 'paused' }) {
  const percent = fraction == null ? undefined : Math.round(fraction * 1000) / 10;
  return (
    <div
      className={`bar bar-${tone}${fraction == null ? ' bar-indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
    >
      <div className="bar-fill" style={fraction == null ? undefined : { transform: `scaleX(${fraction})` }} />
    </div>
  );
}
