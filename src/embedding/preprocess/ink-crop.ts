/**
 * Ink crop (card `preprocessing.crop: 'ink'`): the preprocessing of scanned
 * strokes on paper (signatures), for inputs that arrive at any resolution,
 * with margins, on paper of any shade. Run by every path (training's image
 * cache, eval, the Embedder and its workers) through preprocessImage, so the
 * model sees at serving exactly what it saw in training:
 *
 * 1. decode as decode-image.ts does (limits, EXIF rotation, alpha on white),
 *    grey, shrunk so the longer side is at most INK_MAX_SIDE (never enlarged);
 * 2. paper level = the 90th percentile of grey (the page is mostly paper);
 *    darkness d = max(0, paper − grey), so grey paper and white paper both read 0;
 * 3. ink = d ≥ t, with t the Otsu threshold of the darkness histogram, at
 *    least MIN_INK_DARKNESS (scanner noise on blank paper is a few levels);
 * 4. bounding box of the ink components (8-connected) that hold at least
 *    SPECK_FRACTION of the ink: dust and speckles far from the signature do not
 *    stretch the box; plus a margin of MARGIN_FRACTION of the box's longer side;
 * 5. stroke contrast: v = clamp((d − t/2) / (p95 − t/2), 0, 1) with p95 the
 *    95th percentile of d over ink pixels, so a faint pen and a bold one, on
 *    grey or white paper, give strokes near 1 and paper exactly 0;
 * 6. written back as 8-bit dark-on-white (255·(1 − v)) and fitted to the
 *    card's width×height by sharp: 'contain' keeps the aspect (paper padding,
 *    centred), 'fill' stretches the box;
 * 7. with `inkMend: 'close3'`, the fitted ink's gaps of up to 2 px closed (ink-mend.ts); then with
 *    `inkTone: 'equalize'`, the fitted ink's tones equalised (ink-tone.ts).
 *
 * The card's `normalize` then applies as for any image ('invert-unit' gives v).
 * Why the paper level matters here: in CEDAR the genuine scans sit on grey
 * (≈240) and the forgeries on white (255); without step 2 a model could tell
 * them apart by the paper, which no user's scans would share.
 */
import sharp, { type OutputInfo } from 'sharp';
import type { PreprocessSpec } from '../model-card';
import { invalidImage } from '../../errors';
import { mendInk } from './ink-mend';
import { equalizeInkTone } from './ink-tone';
import { probeImage, DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, type DecodeLimits } from './decode-image';

/** Longer side a scan is shrunk to before the crop (a 300 dpi A4 page is 3508 px). */
export const INK_MAX_SIDE = 2048;
/** Darkness below this is never ink (8-bit levels below the paper). */
export const MIN_INK_DARKNESS = 20;
/** Ink components smaller than this share of all ink do not count for the box. */
export const SPECK_FRACTION = 0.01;
/** Margin around the ink box, as a share of its longer side. */
export const MARGIN_FRACTION = 0.04;
/** Which ink percentile maps to full stroke intensity. */
export const INK_PERCENTILE = 0.95;
/** Which grey percentile is taken as the paper. */
export const PAPER_PERCENTILE = 0.9;

export interface InkBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface InkCropResult {
  /** Dark-on-white 8-bit grey of the box (width×height), contrast normalised. */
  pixels: Uint8Array;
  box: InkBox;
  paper: number;
  threshold: number;
}

/** Steps 1–7: image bytes → the fitted 8-bit HWC pixels of the card (as decodeImagePixels returns). */
export async function inkCropPixels(bytes: Uint8Array, spec: PreprocessSpec, limits: DecodeLimits = {}): Promise<Uint8Array> {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  await probeImage(bytes, { ...limits, maxPixels, maxBytes: limits.maxBytes ?? DEFAULT_MAX_BYTES });
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let grey: { data: Buffer; info: OutputInfo };
  try {
    let pipeline = sharp(input, { limitInputPixels: maxPixels, failOn: 'error', pages: 1, page: 0 });
    if (limits.timeoutMs && limits.timeoutMs > 0) pipeline = pipeline.timeout({ seconds: Math.max(1, Math.ceil(limits.timeoutMs / 1000)) });
    grey = await pipeline
      .rotate()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .resize(INK_MAX_SIDE, INK_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('b-w')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw invalidImage(`the image could not be decoded: ${(e as Error).message.split('\n')[0]}`);
  }
  const { width, height, channels } = grey.info;
  const plane = channels === 1 ? new Uint8Array(grey.data) : firstChannel(grey.data, channels);
  const crop = inkCrop(plane, width, height);
  const fitted = await sharp(Buffer.from(crop.pixels), { raw: { width: crop.box.width, height: crop.box.height, channels: 1 } })
    .resize(spec.width, spec.height, {
      fit: spec.fit === 'fill' ? 'fill' : 'contain',
      position: 'centre',
      background: { r: 255, g: 255, b: 255 },
    })
    .toColourspace('b-w')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const fittedPlane = fitted.info.channels === 1 ? new Uint8Array(fitted.data) : firstChannel(fitted.data, fitted.info.channels);
  // Step 7 (optional, ink-mend.ts then ink-tone.ts): after the fit, so that a scan's resolution changes neither the
  // gaps mended nor the tones. Mending first: the closing reads darkness, which equalisation would re-rank.
  const mended = spec.inkMend === 'close3' ? mendInk(fittedPlane, fitted.info.width, fitted.info.height) : fittedPlane;
  const out = spec.inkTone === 'equalize' ? equalizeInkTone(mended) : mended;
  if (spec.channels === 1) return out;
  const rgb = new Uint8Array(out.length * 3);
  for (let i = 0; i < out.length; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = out[i];
  return rgb;
}

/** Steps 2–5 on a grey plane (row-major, width×height). INVALID_IMAGE when there is no ink. */
export function inkCrop(grey: Uint8Array, width: number, height: number): InkCropResult {
  const n = width * height;
  const hist = new Float64Array(256);
  for (let i = 0; i < n; i++) hist[grey[i]]++;
  const paper = percentileOfHistogram(hist, n, PAPER_PERCENTILE);
  const darkness = new Uint8Array(n);
  const dHist = new Float64Array(256);
  for (let i = 0; i < n; i++) {
    const d = grey[i] < paper ? paper - grey[i] : 0;
    darkness[i] = d;
    dHist[d]++;
  }
  const threshold = Math.max(MIN_INK_DARKNESS, otsuThreshold(dHist));
  const box = inkBox(darkness, width, height, threshold);
  if (!box) throw invalidImage('no ink found: the image looks blank (nothing darker than the paper)', { width, height });

  const inkHist = new Float64Array(256);
  let inkCount = 0;
  for (let y = box.top; y < box.top + box.height; y++)
    for (let x = box.left; x < box.left + box.width; x++) {
      const d = darkness[y * width + x];
      if (d >= threshold) {
        inkHist[d]++;
        inkCount++;
      }
    }
  const floor = threshold / 2;
  const full = Math.max(threshold, percentileOfHistogram(inkHist, inkCount, INK_PERCENTILE));
  const pixels = new Uint8Array(box.width * box.height);
  for (let y = 0; y < box.height; y++)
    for (let x = 0; x < box.width; x++) {
      const d = darkness[(y + box.top) * width + x + box.left];
      const v = Math.min(1, Math.max(0, (d - floor) / (full - floor)));
      pixels[y * box.width + x] = Math.round(255 * (1 - v));
    }
  return { pixels, box, paper, threshold };
}

/**
 * Step 4: the box of the ink components holding ≥ SPECK_FRACTION of the ink
 * pixels, widened by the margin and clipped to the image; undefined without ink.
 */
export function inkBox(darkness: Uint8Array, width: number, height: number, threshold: number): InkBox | undefined {
  const label = new Int32Array(width * height).fill(-1);
  const components: Array<{ area: number; x0: number; y0: number; x1: number; y1: number }> = [];
  const stack: number[] = [];
  let total = 0;
  for (let start = 0; start < darkness.length; start++) {
    if (darkness[start] < threshold || label[start] >= 0) continue;
    const c = { area: 0, x0: width, y0: height, x1: -1, y1: -1 };
    label[start] = components.length;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      const px = p % width;
      const py = (p - px) / width;
      c.area++;
      if (px < c.x0) c.x0 = px;
      if (px > c.x1) c.x1 = px;
      if (py < c.y0) c.y0 = py;
      if (py > c.y1) c.y1 = py;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = py + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = px + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (label[q] < 0 && darkness[q] >= threshold) {
            label[q] = components.length;
            stack.push(q);
          }
        }
      }
    }
    components.push(c);
    total += c.area;
  }
  if (total === 0) return undefined;
  const kept = components.filter((c) => c.area >= SPECK_FRACTION * total);
  const x0 = Math.min(...kept.map((c) => c.x0));
  const y0 = Math.min(...kept.map((c) => c.y0));
  const x1 = Math.max(...kept.map((c) => c.x1));
  const y1 = Math.max(...kept.map((c) => c.y1));
  const margin = Math.round(MARGIN_FRACTION * Math.max(x1 - x0 + 1, y1 - y0 + 1));
  const left = Math.max(0, x0 - margin);
  const top = Math.max(0, y0 - margin);
  const right = Math.min(width - 1, x1 + margin);
  const bottom = Math.min(height - 1, y1 + margin);
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * Otsu's threshold (Otsu 1979) of a 256-bin histogram: the level t that
 * maximises the between-class variance of {< t} and {≥ t}. 0 for a flat image.
 */
export function otsuThreshold(hist: ArrayLike<number>): number {
  let total = 0;
  let sumAll = 0;
  for (let v = 0; v < 256; v++) {
    total += hist[v];
    sumAll += v * hist[v];
  }
  let wBelow = 0;
  let sumBelow = 0;
  let best = 0;
  let bestVar = -1;
  for (let t = 1; t < 256; t++) {
    wBelow += hist[t - 1];
    sumBelow += (t - 1) * hist[t - 1];
    const wAbove = total - wBelow;
    if (wBelow === 0 || wAbove === 0) continue;
    const diff = sumBelow / wBelow - (sumAll - sumBelow) / wAbove;
    const between = wBelow * wAbove * diff * diff;
    if (between > bestVar) {
      bestVar = between;
      best = t;
    }
  }
  return best;
}

/** The smallest level whose cumulative count reaches q of `count` (nearest rank). */
export function percentileOfHistogram(hist: ArrayLike<number>, count: number, q: number): number {
  const rank = Math.max(1, Math.ceil(q * count));
  let cum = 0;
  for (let v = 0; v < 256; v++) {
    cum += hist[v];
    if (cum >= rank) return v;
  }
  return 255;
}

function firstChannel(data: Uint8Array, channels: number): Uint8Array {
  const out = new Uint8Array(data.length / channels);
  for (let i = 0; i < out.length; i++) out[i] = data[i * channels];
  return out;
}
