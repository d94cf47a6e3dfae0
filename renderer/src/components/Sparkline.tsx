// A tiny throughput line; the newest sample at the right edge.

export function Sparkline({ samples, width = 80, height = 18, label }: { samples: readonly number[]; width?: number; height?: number; label: string }) {
  if (samples.length < 2) return <svg className="sparkline" width={width} height={height} role="img" aria-label={label} />;
  const max = Math.max(...samples, 1);
  const step = width / (samples.length - 1);
  const points = samples.map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`).join(' ');
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <polyline points={`0,${height} ${points} ${width},${height}`} className="sparkline-area" />
      <polyline points={points} className="sparkline-line" />
    </svg>
  );
}
