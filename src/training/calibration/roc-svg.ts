/**
 * A self-contained ROC plot (no fonts, scripts or external references): TAR against FAR
 * with a LOGARITHMIC FAR axis, the chance curve, the EER point, optional operating points,
 * and AUC/EER in the title. Written beside every model as `roc.svg` and drawn by the console.
 *
 * Why log FAR (issue 15): the thresholds that matter for 1:N search sit at FARs of 1e-3
 * and below (the open-set rule divides the accepted stranger rate by the gallery size);
 * on a linear axis that whole region is the first pixel column. The axis starts at the
 * decade below the smallest non-zero FAR of the curve (at least 1e-2, at most 1e-6);
 * FAR = 0 points sit on the left edge.
 */
import type { RocPoint } from '../../embedding/model-card';

export interface RocMark {
  label: string;
  far: number;
  tar: number;
  color?: string;
}

/** Another curve on the same axes, e.g. the pixel baseline (issue 17): drawn dashed, named in a legend. */
export interface RocCurve {
  label: string;
  points: readonly RocPoint[];
  color?: string;
  /** SVG stroke-dasharray (default '6 4'). */
  dash?: string;
}

export interface RocSvgOptions {
  title: string;
  auc: number;
  eer: number;
  eerThreshold?: number;
  size?: number;
  /** More operating points to mark (max accuracy, target FAR, the open-set threshold…). */
  marks?: readonly RocMark[];
  /** Comparison curves (dashed, with a legend naming them and the model's curve). */
  curves?: readonly RocCurve[];
  /** The model's curve in the legend (default 'model'). */
  modelLabel?: string;
}

const CURVE_COLORS = ['#e8590c', '#7048e8', '#2f9e44', '#c2255c'];

const MIN_DECADES = 2;
const MAX_DECADES = 6;

/** How many decades the FAR axis spans: enough to show the smallest non-zero FAR of the curve. */
export function farDecades(points: readonly RocPoint[]): number {
  const positive = points.map((p) => p.far).filter((far) => far > 0);
  if (positive.length === 0) return MIN_DECADES;
  const needed = Math.ceil(-Math.log10(Math.min(...positive)) - 1e-9);
  return Math.min(MAX_DECADES, Math.max(MIN_DECADES, needed));
}

/** Position of `far` on a log axis of `decades` decades, in [0, 1] (0: 10^-decades or less, 1: FAR 1). */
export function logFarPosition(far: number, decades: number): number {
  const floor = 10 ** -decades;
  return (Math.log10(Math.max(floor, Math.min(1, far))) + decades) / decades;
}

/** "0.01%", "0.1%", "1%", "10%", "100%" for 10^-k. */
function decadeLabel(k: number): string {
  const pct = 100 * 10 ** -k;
  return `${pct >= 1 ? pct.toFixed(0) : pct.toFixed(k - 2)}%`;
}

export function rocSvg(points: readonly RocPoint[], o: RocSvgOptions): string {
  const size = o.size ?? 480;
  const m = { left: 62, right: 20, top: 56, bottom: 56 };
  const w = size - m.left - m.right;
  const h = size - m.top - m.bottom;
  const curves = o.curves ?? [];
  // The axis must reach the smallest FAR of every curve drawn.
  const decades = farDecades([...points, ...curves.flatMap((c) => c.points)]);
  const x = (far: number) => m.left + logFarPosition(far, decades) * w;
  const y = (tar: number) => m.top + (1 - tar) * h;
  const f = (v: number) => v.toFixed(2);
  const tarTicks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" font-family="Helvetica, Arial, sans-serif" role="img" aria-label="${esc(o.title)}">`,
  );
  parts.push(`<rect width="${size}" height="${size}" fill="#ffffff"/>`);
  parts.push(`<text x="${size / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`);
  parts.push(
    `<text x="${size / 2}" y="41" text-anchor="middle" font-size="12" fill="#333">AUC ${o.auc.toFixed(4)} · EER ${(o.eer * 100).toFixed(2)}%</text>`,
  );
  for (let k = decades; k >= 0; k--) {
    const gx = f(x(10 ** -k));
    parts.push(`<line x1="${gx}" y1="${m.top}" x2="${gx}" y2="${m.top + h}" stroke="#eeeeee"/>`);
    parts.push(`<text x="${gx}" y="${m.top + h + 16}" text-anchor="middle" font-size="11">${decadeLabel(k)}</text>`);
  }
  for (const t of tarTicks) {
    parts.push(`<line x1="${m.left}" y1="${f(y(t))}" x2="${m.left + w}" y2="${f(y(t))}" stroke="#eeeeee"/>`);
    parts.push(`<text x="${m.left - 8}" y="${f(y(t) + 4)}" text-anchor="end" font-size="11">${t.toFixed(1)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`);
  // Chance (TAR = FAR) and the EER line (TAR = 1 − FAR) are curves on a log axis: sampled per 1/8 decade.
  const samples = Array.from({ length: decades * 8 + 1 }, (_, i) => 10 ** (-decades + i / 8));
  const curve = (tarOf: (far: number) => number) => samples.map((far) => `${f(x(far))},${f(y(tarOf(far)))}`).join(' ');
  parts.push(`<polyline points="${curve((far) => far)}" fill="none" stroke="#999" stroke-dasharray="4 4"/>`);
  parts.push(`<polyline points="${curve((far) => 1 - far)}" fill="none" stroke="#ddd" stroke-dasharray="2 4"/>`);
  curves.forEach((c, i) => {
    const line = c.points.map((p) => `${f(x(p.far))},${f(y(p.tar))}`).join(' ');
    const color = c.color ?? CURVE_COLORS[i % CURVE_COLORS.length];
    parts.push(
      `<polyline points="${line}" fill="none" stroke="${esc(color)}" stroke-width="1.5" stroke-dasharray="${esc(c.dash ?? '6 4')}" data-curve="${esc(c.label)}"/>`,
    );
  });
  const path = points.map((p) => `${f(x(p.far))},${f(y(p.tar))}`).join(' ');
  parts.push(`<polyline points="${path}" fill="none" stroke="#1f5fbf" stroke-width="2"/>`);
  if (curves.length > 0) {
    // Legend at the top left of the plot: with a log FAR axis that corner (FAR ≤ 10^-k, TAR near 1) is empty for
    // all but near-perfect curves.
    const entries = [{ label: o.modelLabel ?? 'model', color: '#1f5fbf', dash: '' }].concat(
      curves.map((c, i) => ({ label: c.label, color: c.color ?? CURVE_COLORS[i % CURVE_COLORS.length], dash: c.dash ?? '6 4' })),
    );
    const lx = m.left + 10;
    const ly = m.top + 12;
    parts.push(
      `<rect x="${lx - 6}" y="${ly - 10}" width="190" height="${entries.length * 15 + 6}" fill="#ffffff" fill-opacity="0.85" stroke="#cccccc"/>`,
    );
    entries.forEach((e, i) => {
      const ey2 = ly + i * 15;
      parts.push(
        `<line x1="${lx}" y1="${ey2 - 4}" x2="${lx + 22}" y2="${ey2 - 4}" stroke="${esc(e.color)}" stroke-width="2"${e.dash ? ` stroke-dasharray="${esc(e.dash)}"` : ''}/>`,
      );
      parts.push(`<text x="${lx + 28}" y="${ey2}" font-size="11" fill="#333">${esc(e.label)}</text>`);
    });
  }
  const ex = x(o.eer);
  const ey = y(1 - o.eer);
  parts.push(`<circle cx="${f(ex)}" cy="${f(ey)}" r="4.5" fill="#d9480f"/>`);
  const label = `EER ${(o.eer * 100).toFixed(2)}%${o.eerThreshold !== undefined ? ` @ d ≤ ${o.eerThreshold.toPrecision(4)}` : ''}`;
  parts.push(`<text x="${f(ex + 9)}" y="${f(ey + 16)}" font-size="11" fill="#d9480f">${esc(label)}</text>`);
  (o.marks ?? []).forEach((mark, i) => {
    const color = mark.color ?? '#2b8a3e';
    const mx = x(mark.far);
    const my = y(mark.tar);
    parts.push(`<rect x="${f(mx - 4)}" y="${f(my - 4)}" width="8" height="8" fill="${esc(color)}"/>`);
    // Labels stack from the bottom-right so close points do not overwrite each other.
    parts.push(
      `<text x="${m.left + w - 6}" y="${f(m.top + h - 8 - 14 * i)}" text-anchor="end" font-size="11" fill="${esc(color)}">■ ${esc(mark.label)}</text>`,
    );
  });
  parts.push(`<text x="${m.left + w / 2}" y="${size - 14}" text-anchor="middle" font-size="12">false accept rate (FAR, log scale)</text>`);
  parts.push(
    `<text transform="translate(16 ${m.top + h / 2}) rotate(-90)" text-anchor="middle" font-size="12">true accept rate (TAR)</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
