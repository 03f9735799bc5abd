/**
 * Draws synthetic signatures (synthetic-signature.model.ts) as scanned pages: the strokes as round-capped segments
 * of their own width in an SVG, rasterised by sharp (librsvg) and blurred a little like a scanner's optics, then
 * encoded as a greyscale PNG, so they reach training through the same decoding and ink crop as a real scan.
 */
import sharp from 'sharp';
import type { Stroke } from './synthetic-signature.model';

export interface PageStyle {
  /** Pixels per x-height. */
  scale: number;
  /** Ink and paper grey levels (0 black, 255 white). */
  ink: number;
  paper: number;
  /** Margin around the ink, in pixels. */
  margin: number;
}

/** The strokes as an SVG document sized to their bounding box (pen included: w is the full width) plus the margin. */
export function signatureSvg(strokes: readonly Stroke[], style: PageStyle): string {
  const all = strokes.flatMap((s) => s.points);
  if (all.length === 0) throw new RangeError('a signature needs at least one point');
  const minX = Math.min(...all.map((p) => p.x - p.w / 2));
  const minY = Math.min(...all.map((p) => p.y - p.w / 2));
  const maxX = Math.max(...all.map((p) => p.x + p.w / 2));
  const maxY = Math.max(...all.map((p) => p.y + p.w / 2));
  const px = (v: number, min: number) => ((v - min) * style.scale + style.margin).toFixed(2);
  const width = Math.ceil((maxX - minX) * style.scale + 2 * style.margin);
  const height = Math.ceil((maxY - minY) * style.scale + 2 * style.margin);
  const ink = Math.round(style.ink);
  const lines: string[] = [];
  for (const stroke of strokes) {
    for (let i = 1; i < stroke.points.length; i++) {
      const [p, q] = [stroke.points[i - 1], stroke.points[i]];
      const w = (((p.w + q.w) / 2) * style.scale).toFixed(2);
      lines.push(`<line x1="${px(p.x, minX)}" y1="${px(p.y, minY)}" x2="${px(q.x, minX)}" y2="${px(q.y, minY)}" stroke-width="${w}"/>`);
    }
  }
  const paper = Math.round(style.paper);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="100%" height="100%" fill="rgb(${paper},${paper},${paper})"/>` +
    `<g stroke="rgb(${ink},${ink},${ink})" stroke-linecap="round" fill="none">${lines.join('')}</g></svg>`
  );
}

/** The page as greyscale PNG bytes. */
export async function renderSignaturePng(strokes: readonly Stroke[], style: PageStyle): Promise<Uint8Array> {
  const png = await sharp(Buffer.from(signatureSvg(strokes, style)))
    .flatten({ background: '#ffffff' }) // the paper rect covers the page; this drops the alpha channel
    .blur(0.6)
    .toColourspace('b-w')
    .png()
    .toBuffer();
  return new Uint8Array(png);
}
