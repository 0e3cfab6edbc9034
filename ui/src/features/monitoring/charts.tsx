// Small SVG charts for the monitoring view: a metric line, a stacked histogram over time and drift bars. Each
// window is a button-like target: clicking it selects the window (its outputs and runs are listed below).

const W = 720;
const H = 160;
const PAD = 28;

interface Selectable {
  selected: number | null;
  onSelect: (index: number) => void;
}

function x(i: number, n: number): number {
  return PAD + ((W - 2 * PAD) * (i + 0.5)) / Math.max(n, 1);
}

function band(n: number): number {
  return (W - 2 * PAD) / Math.max(n, 1);
}

/** The metric per window; gaps where a window has no (output, feedback) pair. */
export function MetricLine({ values, selected, onSelect }: { values: (number | null)[] } & Selectable) {
  const present = values.filter((v): v is number => v !== null);
  const low = Math.min(0, ...present);
  const high = Math.max(1, ...present);
  const y = (v: number) => H - PAD - ((H - 2 * PAD) * (v - low)) / (high - low || 1);
  const segments: string[] = [];
  let current = "";
  values.forEach((v, i) => {
    if (v === null) {
      if (current) segments.push(current);
      current = "";
      return;
    }
    current += `${current ? "L" : "M"}${x(i, values.length).toFixed(1)},${y(v).toFixed(1)} `;
  });
  if (current) segments.push(current);
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      className="chart"
      data-testid="metric-chart"
      role="img"
      aria-label="metric over time"
    >
      <line x1={PAD} x2={W - PAD} y1={y(low)} y2={y(low)} className="axis" />
      <text x={4} y={y(high) + 4} className="tick">
        {high.toPrecision(2)}
      </text>
      <text x={4} y={y(low) + 4} className="tick">
        {low.toPrecision(2)}
      </text>
      {segments.map((d, i) => (
        <path key={i} d={d} className="metric-line" />
      ))}
      {values.map((v, i) =>
        v === null ? null : (
          <circle
            key={i}
            cx={x(i, values.length)}
            cy={y(v)}
            r={selected === i ? 6 : 4}
            className={selected === i ? "metric-point selected" : "metric-point"}
            data-testid="metric-point"
            onClick={() => onSelect(i)}
          >
            <title>{v.toFixed(4)}</title>
          </circle>
        ),
      )}
    </svg>
  );
}

const PALETTE = [
  "#2d72d2",
  "#29a634",
  "#d1980b",
  "#d33d17",
  "#9d3f9d",
  "#00a396",
  "#db2c6f",
  "#7961db",
  "#8eb125",
  "#5f6b7c",
];

/** Output counts per window, stacked by bin (numbers) or category. */
export function StackedBars({ rows, labels, selected, onSelect }: { rows: number[][]; labels: string[] } & Selectable) {
  const totals = rows.map((r) => r.reduce((a, b) => a + b, 0));
  const top = Math.max(1, ...totals);
  const width = band(rows.length) * 0.8;
  return (
    <div>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        className="chart"
        data-testid="distribution-chart"
        role="img"
        aria-label="output distribution over time"
      >
        {rows.map((row, i) => {
          let base = H - PAD;
          return (
            <g
              key={i}
              onClick={() => onSelect(i)}
              className={selected === i ? "bar selected" : "bar"}
              data-testid="distribution-bar"
            >
              {row.map((count, b) => {
                const h = ((H - 2 * PAD) * count) / top;
                base -= h;
                return (
                  <rect
                    key={b}
                    x={x(i, rows.length) - width / 2}
                    y={base}
                    width={width}
                    height={h}
                    fill={PALETTE[b % PALETTE.length]}
                  />
                );
              })}
              <title>{`${totals[i]} outputs`}</title>
            </g>
          );
        })}
      </svg>
      <div className="legend">
        {labels.map((label, b) => (
          <span key={label}>
            <i style={{ background: PALETTE[b % PALETTE.length] }} /> {label}
          </span>
        ))}
      </div>
    </div>
  );
}

/** Drift score per window against the reference, the threshold dashed; drifted windows in red. */
export function DriftBars({
  points,
  selected,
  onSelect,
}: { points: { score: number | null; drifted: boolean; threshold: number }[] } & Selectable) {
  const threshold = points[0]?.threshold ?? 0.2;
  const top = Math.max(threshold * 1.5, ...points.map((p) => p.score ?? 0));
  const y = (v: number) => H - PAD - ((H - 2 * PAD) * v) / top;
  const width = band(points.length) * 0.7;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart" data-testid="drift-chart" role="img" aria-label="drift per window">
      {points.map((p, i) =>
        p.score === null ? null : (
          <rect
            key={i}
            x={x(i, points.length) - width / 2}
            y={y(p.score)}
            width={width}
            height={H - PAD - y(p.score)}
            className={`${p.drifted ? "drift-bar drifted" : "drift-bar"}${selected === i ? " selected" : ""}`}
            data-testid={p.drifted ? "drift-bar-drifted" : "drift-bar"}
            onClick={() => onSelect(i)}
          >
            <title>{p.score.toFixed(3)}</title>
          </rect>
        ),
      )}
      <line x1={PAD} x2={W - PAD} y1={y(threshold)} y2={y(threshold)} className="threshold" />
      <text x={W - PAD} y={y(threshold) - 4} className="tick" textAnchor="end">
        threshold {threshold}
      </text>
    </svg>
  );
}
