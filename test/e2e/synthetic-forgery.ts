/**
 * Session 30 (issue 17): an imitation of a signature made from the signature itself, for rule SYNTH
 * (docs/experiments/signatures/backend/RULE-synth.md, fixed there before any measurement). Not served.
 *
 * Elastic distortion after Simard, Steinkraus & Platt, "Best Practices for Convolutional Neural Networks Applied to
 * Visual Document Analysis", ICDAR 2003, §2: a displacement field of independent uniform noise in [−1, 1] per pixel
 * and component, smoothed by a Gaussian of standard deviation σ, then scaled; the image is resampled bilinearly at
 * (x + dx, y + dy). Simard scales by a constant α; here the field is scaled to a given root-mean-square length, so the
 * strength does not depend on how much the smoothing shrank the noise (which depends on σ and the image size).
 */
import sharp from 'sharp';
import { Rng } from '../../src/training/samplers/rng';

export interface ImitationOptions {
  /** Gaussian smoothing of the field, as a fraction of the image height (RULE-synth.md: 0.06). */
  readonly sigmaShare: number;
  /** Root-mean-square displacement, as a fraction of the image height (RULE-synth.md: 0.03). */
  readonly rmsShare: number;
}

export const RULE_SYNTH_IMITATION: ImitationOptions = { sigmaShare: 0.06, rmsShare: 0.03 };

/** A grey image, row-major, values 0–255. */
export interface Grey {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

/** One-dimensional Gaussian kernel of standard deviation sigma, truncated at 3σ, summing to 1. */
export function gaussianKernel(sigma: number): Float32Array {
  if (!(sigma > 0)) throw new RangeError(`sigma must be above zero (got ${sigma})`);
  const radius = Math.ceil(3 * sigma);
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Separable Gaussian blur with the edge value repeated (so a constant field stays constant). */
export function blur(field: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const clamp = (v: number, hi: number) => (v < 0 ? 0 : v > hi ? hi : v);
  const rows = new Float32Array(field.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r] * field[y * width + clamp(x + i, width - 1)];
      rows[y * width + x] = s;
    }
  const out = new Float32Array(field.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r] * rows[clamp(y + i, height - 1) * width + x];
      out[y * width + x] = s;
    }
  return out;
}

/** The displacement field (dx, dy) in pixels: smoothed uniform noise scaled to the requested RMS length. */
export function displacementField(
  width: number,
  height: number,
  options: ImitationOptions,
  rng: Rng,
): { dx: Float32Array; dy: Float32Array } {
  const noise = () => Float32Array.from({ length: width * height }, () => rng.uniform(-1, 1));
  const sigma = options.sigmaShare * height;
  const dx = blur(noise(), width, height, sigma);
  const dy = blur(noise(), width, height, sigma);
  let sq = 0;
  for (let i = 0; i < dx.length; i++) sq += dx[i] * dx[i] + dy[i] * dy[i];
  const rms = Math.sqrt(sq / dx.length);
  const scale = rms > 0 ? (options.rmsShare * height) / rms : 0;
  for (let i = 0; i < dx.length; i++) {
    dx[i] *= scale;
    dy[i] *= scale;
  }
  return { dx, dy };
}

/** Bilinear resampling of img at (x + dx, y + dy); points outside the image read `fill`. */
export function warp(img: Grey, dx: Float32Array, dy: Float32Array, fill: number): Grey {
  const { data, width, height } = img;
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= width || y >= height ? fill : data[y * width + x]);
  const out = new Float32Array(data.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const sx = x + dx[i];
      const sy = y + dy[i];
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      out[i] = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    }
  return { data: out, width, height };
}

/** The paper's grey level: the 95th percentile (a signature's ink covers far less than 5 % of a scan). */
export function paperLevel(data: Float32Array): number {
  const sorted = Float32Array.from(data).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))];
}

/** An imitation of a scanned signature (any format sharp reads) as a greyscale PNG. */
export async function imitate(image: Buffer, seed: number, options: ImitationOptions = RULE_SYNTH_IMITATION): Promise<Buffer> {
  const { data, info } = await sharp(image).greyscale().raw().toBuffer({ resolveWithObject: true });
  const grey = new Float32Array(info.width * info.height);
  for (let i = 0; i < grey.length; i++) grey[i] = data[i * info.channels];
  const { dx, dy } = displacementField(info.width, info.height, options, new Rng(seed));
  const warped = warp({ data: grey, width: info.width, height: info.height }, dx, dy, paperLevel(grey));
  const bytes = Buffer.from(Uint8Array.from(warped.data, (v) => Math.max(0, Math.min(255, Math.round(v)))));
  return sharp(bytes, { raw: { width: info.width, height: info.height, channels: 1 } })
    .png()
    .toBuffer();
}
