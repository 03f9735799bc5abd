/**
 * Where a distance falls against thresholds, on one horizontal scale (distance grows to the
 * right; match when distance ≤ the decision threshold, the shaded part).
 */
export interface ScaleMark {
  label: string;
  value: number;
}

export function DistanceScale(props: { distance: number; threshold: number; marks?: ScaleMark[]; label: string }) {
  const marks = props.marks ?? [];
  const max = Math.max(props.threshold * 2, props.distance * 1.15, ...marks.map((m) => m.value * 1.15), 1e-6);
  const W = 360;
  const H = 56;
  const x = (v: number) => 10 + (Math.min(v, max) / max) * (W - 20);
  const match = props.distance <= props.threshold;
  return (
    <svg
      class="scale"
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      role="img"
      aria-label={`${props.label}: distance ${props.distance.toFixed(4)}, threshold ${props.threshold.toFixed(4)}, ${match ? 'match' : 'no match'}`}
    >
      <rect x={10} y={22} width={W - 20} height={10} fill="#e9ecef" />
      <rect x={10} y={22} width={x(props.threshold) - 10} height={10} fill="#d3f9d8" />
      {marks.map((m, i) => (
        <g key={m.label}>
          <line x1={x(m.value)} x2={x(m.value)} y1={16} y2={38} stroke="#868e96" stroke-dasharray="2 2" />
          <text x={x(m.value)} y={i % 2 ? 52 : 12} font-size="9" text-anchor="middle" fill="#495057">
            {m.label}
          </text>
        </g>
      ))}
      <line x1={x(props.threshold)} x2={x(props.threshold)} y1={14} y2={40} stroke="#2b8a3e" stroke-width="2" />
      <text x={x(props.threshold)} y={12} font-size="9" text-anchor="middle" fill="#2b8a3e">
        threshold {props.threshold.toFixed(3)}
      </text>
      <circle cx={x(props.distance)} cy={27} r={6} fill={match ? '#2b8a3e' : '#c92a2a'} />
      <text x={x(props.distance)} y={50} font-size="10" text-anchor="middle">
        d = {props.distance.toFixed(3)}
      </text>
    </svg>
  );
}
