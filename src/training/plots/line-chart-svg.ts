/**
 * A self-contained line chart (no fonts, scripts or external references), the
 * sibling of calibration/roc-svg.ts for everything that is "a number against
 * time or size": learning curves beside each model, data-scaling curves in the
 * docs. Axes are linear and fitted to the data with a little padding; a legend
 * names the series; an optional vertical marker shows e.g. the chosen epoch.
 */

export interface ChartSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  /** Draw dots at the points (default: only when there are 30 or fewer). */
  dots?: boolean;
  /** Omit the connecting line (a scatter). */
  noLine?: boolean;
  color?: string;
}

export interface LineChartOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** Vertical marker line at x with a label. */
  marker?: { x: number; label: string };
  /** Force the y range (e.g. [0, 1]); default: fitted to the data. */
  yRange?: readonly [number, number];
  /** Force the x range, e.g. room beside two columns of points so their tick labels fit; default: the data's. */
  xRange?: readonly [number, number];
  width?: number;
  height?: number;
  /** Format of tick labels (default: up to 3 significant digits). */
  formatY?: (v: number) => string;
  formatX?: (v: number) => string;
}

const PALETTE = ['#1f5fbf', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#c92a2a', '#495057'];

/** Tick values at a "nice" step (1, 2 or 5 × 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

export function lineChartSvg(o: LineChartOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 360;
  const m = { left: 64, right: 20, top: o.subtitle ? 56 : 40, bottom: 52 + 16 * Math.ceil(o.series.length / 3) };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const all = o.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (all.length === 0) throw new RangeError('a chart needs at least one finite point');
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  if (o.marker) [x0, x1] = [Math.min(x0, o.marker.x), Math.max(x1, o.marker.x)];
  if (o.xRange) [x0, x1] = o.xRange;
  let [y0, y1] = o.yRange ?? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - Math.abs(y0 || 1) * 0.1, y1 + Math.abs(y1 || 1) * 0.1];
  if (!o.yRange) {
    const pad = (y1 - y0) * 0.06;
    [y0, y1] = [y0 - pad, y1 + pad];
  }
  const X = (v: number) => m.left + ((v - x0) / (x1 - x0)) * w;
  const Y = (v: number) => m.top + (1 - (v - y0) / (y1 - y0)) * h;
  const f = (v: number) => v.toFixed(1);
  const fmtX = o.formatX ?? ((v: number) => String(+v.toPrecision(3)));
  const fmtY = o.formatY ?? ((v: number) => String(+v.toPrecision(3)));

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`);
  if (o.subtitle) parts.push(`<text x="${width / 2}" y="41" text-anchor="middle" font-size="12" fill="#333">${esc(o.subtitle)}</text>`);
  for (const t of niceTicks(x0, x1, 8)) {
    parts.push(`<line x1="${f(X(t))}" y1="${m.top}" x2="${f(X(t))}" y2="${m.top + h}" stroke="#eeeeee"/>`);
    parts.push(`<text x="${f(X(t))}" y="${m.top + h + 16}" text-anchor="middle" font-size="11">${esc(fmtX(t))}</text>`);
  }
  for (const t of niceTicks(y0, y1, 6)) {
    parts.push(`<line x1="${m.left}" y1="${f(Y(t))}" x2="${m.left + w}" y2="${f(Y(t))}" stroke="#eeeeee"/>`);
    parts.push(`<text x="${m.left - 8}" y="${f(Y(t) + 4)}" text-anchor="end" font-size="11">${esc(fmtY(t))}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`);
  if (o.marker) {
    parts.push(
      `<line x1="${f(X(o.marker.x))}" y1="${m.top}" x2="${f(X(o.marker.x))}" y2="${m.top + h}" stroke="#999" stroke-dasharray="4 4"/>`,
    );
    parts.push(`<text x="${f(X(o.marker.x) + 4)}" y="${m.top + 14}" font-size="11" fill="#555">${esc(o.marker.label)}</text>`);
  }
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (!s.noLine && pts.length > 1) {
      parts.push(
        `<polyline points="${pts.map(([x, y]) => `${f(X(x))},${f(Y(y))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`,
      );
    }
    if (s.dots ?? pts.length <= 30)
      for (const [x, y] of pts) parts.push(`<circle cx="${f(X(x))}" cy="${f(Y(y))}" r="3.5" fill="${color}"/>`);
    // Legend: three entries per row under the x-axis label.
    const lx = m.left + (i % 3) * (w / 3);
    const ly = m.top + h + 52 + 16 * Math.floor(i / 3);
    parts.push(`<rect x="${f(lx)}" y="${ly - 9}" width="14" height="4" fill="${color}"/>`);
    parts.push(`<text x="${f(lx + 20)}" y="${ly - 4}" font-size="11">${esc(s.name)}</text>`);
  });
  parts.push(`<text x="${m.left + w / 2}" y="${m.top + h + 34}" text-anchor="middle" font-size="12">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${m.top + h / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(o.yLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
