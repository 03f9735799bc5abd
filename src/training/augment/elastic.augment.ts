/**
 * Elastic distortion, after Simard, Steinkraus & Platt, "Best Practices for Convolutional Neural Networks Applied
 * to Visual Document Analysis", ICDAR 2003, §2: a displacement field of independent uniform noise in [−1, 1] per
 * pixel and component, smoothed by a Gaussian of standard deviation σ, then scaled; the image is resampled
 * bilinearly at (x + dx, y + dy). Simard scales by a constant α; here the field is scaled to a given
 * root-mean-square length, so the strength does not depend on how much the smoothing shrank the noise (which
 * depends on σ and the image size). Both lengths are fractions of the image height; the same setting on a 155-row
 * scan and on an 80-row ink-cropped input is only roughly the same strength relative to the strokes (the crop
 * enlarges them).
 *
 * Two users: session 30's imitations of a signature (test/e2e/synthetic-forgery.ts, rule SYNTH) and, since
 * session 31, training-time augmentation (`AugmentOptions.elastic`, preset `signatures-elastic`): a hand never
 * signs the same shape twice, and a smooth field moves strokes the way that variation does without touching
 * stroke quality (tremor, blunt endings), which is what gives a skilled forgery away (bilinear resampling does
 * soften thin strokes a little, as the affine warp's does).
 */
import { Rng } from '../samplers/rng';

export interface ElasticOptions {
  /** Gaussian smoothing of the field, as a fraction of the image height. */
  readonly sigmaShare: number;
  /** Root-mean-square displacement, as a fraction of the image height. */
  readonly rmsShare: number;
}

/** Training-time elastic distortion: applied to each image with this probability. */
export interface ElasticAugmentOptions extends ElasticOptions {
  readonly probability: number;
}

/** A single-channel image, row-major. */
export interface Plane {
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

/** Scales the field (in place) so that its root-mean-square length is `target` pixels; a zero field stays zero. */
function scaleToRms(dx: Float32Array, dy: Float32Array, target: number): { dx: Float32Array; dy: Float32Array } {
  let sq = 0;
  for (let i = 0; i < dx.length; i++) sq += dx[i] * dx[i] + dy[i] * dy[i];
  const rms = Math.sqrt(sq / dx.length);
  const scale = rms > 0 ? target / rms : 0;
  for (let i = 0; i < dx.length; i++) {
    dx[i] *= scale;
    dy[i] *= scale;
  }
  return { dx, dy };
}

/** The displacement field (dx, dy) in pixels: smoothed uniform noise scaled to the requested RMS length. */
export function displacementField(
  width: number,
  height: number,
  options: ElasticOptions,
  rng: Rng,
): { dx: Float32Array; dy: Float32Array } {
  const noise = () => Float32Array.from({ length: width * height }, () => rng.uniform(-1, 1));
  const sigma = options.sigmaShare * height;
  const dx = blur(noise(), width, height, sigma);
  const dy = blur(noise(), width, height, sigma);
  return scaleToRms(dx, dy, options.rmsShare * height);
}

/**
 * The same kind of field drawn on a grid `step` pixels apart (σ/step on the grid), bilinearly upsampled, then scaled
 * to the RMS length at full size. A field smoothed by σ has next to nothing at wavelengths under ~σ, so a grid of
 * step ≈ σ/1.5 loses little of it, and blurring ~8× fewer points with a kernel ~3× shorter (~25× less work) is what keeps training's
 * augmentation cheap (measured: 190 ms per 64-image 160×80 batch at full size, a fifth of a training step).
 */
export function coarseDisplacementField(
  width: number,
  height: number,
  options: ElasticOptions,
  rng: Rng,
): { dx: Float32Array; dy: Float32Array } {
  const sigma = options.sigmaShare * height;
  const step = Math.max(1, Math.floor(sigma / 1.5));
  if (step === 1) return displacementField(width, height, options, rng);
  const gw = Math.ceil((width - 1) / step) + 1;
  const gh = Math.ceil((height - 1) / step) + 1;
  const noise = () => Float32Array.from({ length: gw * gh }, () => rng.uniform(-1, 1));
  const up = (g: Float32Array) => {
    const out = new Float32Array(width * height);
    for (let y = 0; y < height; y++) {
      const gy = y / step;
      const y0 = Math.min(gh - 2, Math.floor(gy));
      const fy = gy - y0;
      for (let x = 0; x < width; x++) {
        const gx = x / step;
        const x0 = Math.min(gw - 2, Math.floor(gx));
        const fx = gx - x0;
        const i = y0 * gw + x0;
        out[y * width + x] = (1 - fy) * ((1 - fx) * g[i] + fx * g[i + 1]) + fy * ((1 - fx) * g[i + gw] + fx * g[i + gw + 1]);
      }
    }
    return out;
  };
  const dx = up(blur(noise(), gw, gh, sigma / step));
  const dy = up(blur(noise(), gw, gh, sigma / step));
  return scaleToRms(dx, dy, options.rmsShare * height);
}

/** Bilinear resampling of img at (x + dx, y + dy); points outside the image read `fill`. */
export function warpPlane(img: Plane, dx: Float32Array, dy: Float32Array, fill: number): Plane {
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

/**
 * Elastic distortion of a batch laid out [N,H,W,C], into a new array (the input is left as it was). Each image is
 * distorted with probability `options.probability`, all its channels by one field (coarseDisplacementField); points
 * from outside read `fill`.
 * Returns which images were distorted (for tests).
 */
export function elasticBatch(
  values: Float32Array,
  shape: readonly [number, number, number, number],
  options: ElasticAugmentOptions,
  fill: number,
  rng: Rng,
): { values: Float32Array; distorted: boolean[] } {
  const [n, h, w, c] = shape;
  if (values.length !== n * h * w * c) throw new RangeError(`batch of ${values.length} values does not match shape [${shape.join(', ')}]`);
  const out = Float32Array.from(values);
  const distorted: boolean[] = [];
  const plane = new Float32Array(h * w);
  for (let i = 0; i < n; i++) {
    const on = rng.next() < options.probability;
    distorted.push(on);
    if (!on) continue;
    const { dx, dy } = coarseDisplacementField(w, h, options, rng);
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < h * w; p++) plane[p] = values[(i * h * w + p) * c + ch];
      const warped = warpPlane({ data: plane, width: w, height: h }, dx, dy, fill).data;
      for (let p = 0; p < h * w; p++) out[(i * h * w + p) * c + ch] = warped[p];
    }
  }
  return { values: out, distorted };
}
