/**
 * A self-contained ROC plot (no fonts, scripts or external references): TAR
 * against FAR on linear axes, the chance diagonal, the EER point, and AUC/EER
 * in the title. Written beside every model as `roc.svg`.
 */
import type { RocPoint } from '../../embedding/model-card';

export interface RocSvgOptions {
  title: string;
  auc: number;
  eer: number;
  eerThreshold?: number;
  size?: number;
}

export function rocSvg(points: readonly RocPoint[], o: RocSvgOptions): string {
  const size = o.size ?? 480;
  const m = { left: 62, right: 20, top: 56, bottom: 56 };
  const w = size - m.left - m.right;
  const h = size - m.top - m.bottom;
  const x = (far: number) => m.left + far * w;
  const y = (tar: number) => m.top + (1 - tar) * h;
  const f = (v: number) => v.toFixed(2);
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" font-family="Helvetica, Arial, sans-serif">`);
  parts.push(`<rect width="${size}" height="${size}" fill="#ffffff"/>`);
  parts.push(`<text x="${size / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`);
  parts.push(`<text x="${size / 2}" y="41" text-anchor="middle" font-size="12" fill="#333">AUC ${o.auc.toFixed(4)} · EER ${(o.eer * 100).toFixed(2)}%</text>`);
  for (const t of ticks) {
    parts.push(`<line x1="${f(x(t))}" y1="${m.top}" x2="${f(x(t))}" y2="${m.top + h}" stroke="#eeeeee"/>`);
    parts.push(`<line x1="${m.left}" y1="${f(y(t))}" x2="${m.left + w}" y2="${f(y(t))}" stroke="#eeeeee"/>`);
    parts.push(`<text x="${f(x(t))}" y="${m.top + h + 16}" text-anchor="middle" font-size="11">${t.toFixed(1)}</text>`);
    parts.push(`<text x="${m.left - 8}" y="${f(y(t) + 4)}" text-anchor="end" font-size="11">${t.toFixed(1)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`);
  parts.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 4"/>`);
  // EER line: FRR = FAR ⇔ TAR = 1 − FAR
  parts.push(`<line x1="${x(0)}" y1="${y(1)}" x2="${x(1)}" y2="${y(0)}" stroke="#ddd" stroke-dasharray="2 4"/>`);
  const path = points.map((p) => `${f(x(p.far))},${f(y(p.tar))}`).join(' ');
  parts.push(`<polyline points="${path}" fill="none" stroke="#1f5fbf" stroke-width="2"/>`);
  const ex = x(o.eer);
  const ey = y(1 - o.eer);
  parts.push(`<circle cx="${f(ex)}" cy="${f(ey)}" r="4.5" fill="#d9480f"/>`);
  const label = `EER ${(o.eer * 100).toFixed(2)}%${o.eerThreshold !== undefined ? ` @ d ≤ ${o.eerThreshold.toPrecision(4)}` : ''}`;
  parts.push(`<text x="${f(ex + 9)}" y="${f(ey + 16)}" font-size="11" fill="#d9480f">${esc(label)}</text>`);
  parts.push(`<text x="${m.left + w / 2}" y="${size - 14}" text-anchor="middle" font-size="12">false accept rate (FAR)</text>`);
  parts.push(`<text transform="translate(16 ${m.top + h / 2}) rotate(-90)" text-anchor="middle" font-size="12">true accept rate (TAR)</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
