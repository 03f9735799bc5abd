/**
 * Training-time augmentation on image batches [N,H,W,C] (never at evaluation).
 *
 * Random affine distortions as Koch, Zemel & Salakhutdinov used for Omniglot
 * ("Siamese Neural Networks for One-shot Image Recognition", ICML DL workshop
 * 2015, §4.2): rotation θ ∈ [−10°, 10°], shear ρ ∈ [−0.3, 0.3], scale
 * s ∈ [0.8, 1.2], translation t ∈ [−2, 2] px (at 105 px; scaled here as a
 * fraction of the size), each component switched on with probability ½.
 * Optional horizontal flips (faces, not characters) and brightness/contrast
 * jitter.
 *
 * Photometric and occlusion extras (all optional, off unless set; the
 * `faces-strong` preset uses them because 21–30 ORL training subjects are
 * memorised within a few epochs by the milder `faces` preset):
 *   gamma      y ← clip(y, 0, 1)^γ with ln γ ∈ [−g, g]  (lighting non-linearity)
 *   noise      y ← y + σ·n, n ~ N(0, 1), σ ∈ [0, noise]  (sensor noise)
 *   erasing    Zhong et al., "Random Erasing Data Augmentation", AAAI 2020:
 *              with probability p one rectangle of area share a ∈ [a₀, a₁] and
 *              aspect ratio r ∈ [1/3, 3] is replaced by uniform noise in [0, 1].
 *   elastic    Simard et al. 2003 (elastic.augment.ts): a smooth random displacement
 *              field after the affine warp, on a share of the images.
 *   mend       a closing of the ink on a share of the images, before the warp
 *              (ink-close.augment.ts; session 41, rule MEND-RANDOM).
 *
 * Everything is one projective matrix per image fed to `tf.image.transform`
 * (a kernel the wasm and cpu backends both have); the flip is folded into the
 * same matrix. The matrix maps *output* pixel coordinates to *input*
 * coordinates, so we build the inverse warp directly; the parameter ranges are
 * symmetric, so the distribution is the same.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../samplers/rng';
import { elasticBatch, type ElasticAugmentOptions } from './elastic.augment';
import { inkMendMask, mendBatch, type InkMendAugmentOptions } from './ink-close.augment';

export interface AugmentOptions {
  /** Max |rotation| in degrees. */
  rotationDeg: number;
  /** Max |shear| (dimensionless, per axis). */
  shear: number;
  /** Scale range per axis, e.g. [0.8, 1.2]. */
  scale: [number, number];
  /** Max |translation| as a fraction of width/height. */
  translate: number;
  /** Probability that each affine component is applied (Koch: ½). */
  componentProbability: number;
  horizontalFlip: boolean;
  /** Max |additive brightness change| in normalised intensity units. */
  brightness: number;
  /** Max relative contrast change, e.g. 0.2 → factor in [0.8, 1.2]. */
  contrast: number;
  /** How pixels outside the source are filled. */
  fillMode: 'constant' | 'nearest' | 'reflect';
  fillValue: number;
  /** Max |ln γ| of a per-image gamma curve (0/absent: off). Assumes intensities in [0, 1]. */
  gamma?: number;
  /** Max standard deviation of per-image additive Gaussian pixel noise (0/absent: off). */
  noise?: number;
  /** Random erasing (0/absent probability: off). */
  erasing?: { probability: number; area: [number, number] };
  /** Elastic distortion after the affine warp (Simard et al. 2003; absent: off). Fills with `fillValue`. */
  elastic?: ElasticAugmentOptions;
  /** Closing of the (bright) ink on a share of the images, before the warp (ink-close.augment.ts; absent: off). */
  mend?: InkMendAugmentOptions;
}

export type AugmentPreset =
  | 'none'
  | 'affine'
  | 'affine-strong'
  | 'faces'
  | 'faces-occlude'
  | 'faces-strong'
  | 'signatures'
  | 'signatures-elastic'
  | 'signatures-mend';
export const AUGMENT_PRESETS: readonly AugmentPreset[] = [
  'none',
  'affine',
  'affine-strong',
  'faces',
  'faces-occlude',
  'faces-strong',
  'signatures',
  'signatures-elastic',
  'signatures-mend',
];

export function augmentPreset(name: AugmentPreset): AugmentOptions | null {
  switch (name) {
    case 'none':
      return null;
    case 'affine': // Koch et al. 2015 for Omniglot (2 px of 105 ≈ 0.02)
      return {
        rotationDeg: 10,
        shear: 0.3,
        scale: [0.8, 1.2],
        translate: 0.02,
        componentProbability: 0.5,
        horizontalFlip: false,
        brightness: 0,
        contrast: 0,
        fillMode: 'constant',
        fillValue: 0,
      };
    case 'affine-strong': // issue 17, few classes of glyphs: wider Koch ranges applied more often, a little noise, no flips
      return {
        rotationDeg: 15,
        shear: 0.35,
        scale: [0.75, 1.25],
        translate: 0.06,
        componentProbability: 0.7,
        horizontalFlip: false,
        brightness: 0,
        contrast: 0.2,
        fillMode: 'constant',
        fillValue: 0,
        noise: 0.03,
      };
    case 'faces': // milder geometry, mirror symmetry and lighting changes
      return {
        rotationDeg: 8,
        shear: 0.05,
        scale: [0.92, 1.08],
        translate: 0.05,
        componentProbability: 0.5,
        horizontalFlip: true,
        brightness: 0.1,
        contrast: 0.2,
        fillMode: 'nearest',
        fillValue: 0,
      };
    case 'faces-occlude': // 'faces' plus random erasing only (occlusion without harder geometry/lighting)
      return { ...augmentPreset('faces')!, erasing: { probability: 0.5, area: [0.02, 0.2] } };
    case 'faces-strong': // wider geometry (crops up to ±15 % scale), lighting curves, noise, occlusion
      return {
        rotationDeg: 12,
        shear: 0.1,
        scale: [0.85, 1.15],
        translate: 0.08,
        componentProbability: 0.7,
        horizontalFlip: true,
        brightness: 0.15,
        contrast: 0.3,
        fillMode: 'nearest',
        fillValue: 0,
        gamma: 0.4,
        noise: 0.03,
        erasing: { probability: 0.5, area: [0.02, 0.2] },
      };
    case 'signatures': // ink-cropped signatures: small pose and size changes only; slant and proportions are what a forger gets wrong
      return {
        rotationDeg: 3,
        shear: 0.05,
        scale: [0.92, 1.08],
        translate: 0.03,
        componentProbability: 0.5,
        horizontalFlip: false,
        brightness: 0,
        contrast: 0.15,
        fillMode: 'constant',
        fillValue: 0,
      };
    case 'signatures-elastic': // session 31: 'signatures' plus a mild elastic field on half the images, session 30's
      // mild setting (RULE-synth.md), there on the raw scan, here on the 160×80 ink-cropped input: roughly as strong
      return { ...augmentPreset('signatures')!, elastic: { probability: 0.5, sigmaShare: 0.06, rmsShare: 0.03 } };
    case 'signatures-mend': // session 41, rule MEND-RANDOM: 'signatures' plus half the images' ink closed 3×3 (gaps up to
      // 2 px), so that training cannot lean on how far a stroke breaks up (CEDAR's forgeries break up more)
      return { ...augmentPreset('signatures')!, mend: { probability: 0.5, size: 3 } };
    default:
      throw new RangeError(`unknown augmentation preset '${String(name)}'`);
  }
}

/** The 8 projective parameters (output → input) of one random warp of a w×h image. */
export function randomWarp(w: number, h: number, o: AugmentOptions, rng: Rng): number[] {
  const on = () => rng.next() < o.componentProbability;
  const theta = on() ? (rng.uniform(-o.rotationDeg, o.rotationDeg) * Math.PI) / 180 : 0;
  const shx = on() ? rng.uniform(-o.shear, o.shear) : 0;
  const shy = on() ? rng.uniform(-o.shear, o.shear) : 0;
  const sx = on() ? rng.uniform(o.scale[0], o.scale[1]) : 1;
  const sy = on() ? rng.uniform(o.scale[0], o.scale[1]) : 1;
  const tx = on() ? rng.uniform(-o.translate, o.translate) * w : 0;
  const ty = on() ? rng.uniform(-o.translate, o.translate) * h : 0;
  const flip = o.horizontalFlip && rng.next() < 0.5 ? -1 : 1;
  // L = R(θ) · Shear · Scale · Flip, applied about the image centre.
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  // Shear [[1, shx],[shy, 1]] · diag(sx·flip, sy)
  const m00 = sx * flip;
  const m01 = shx * sy;
  const m10 = shy * sx * flip;
  const m11 = sy;
  const a0 = c * m00 - s * m10;
  const a1 = c * m01 - s * m11;
  const b0 = s * m00 + c * m10;
  const b1 = s * m01 + c * m11;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  // input = L·(output − centre) + centre + t
  const a2 = cx + tx - a0 * cx - a1 * cy;
  const b2 = cy + ty - b0 * cx - b1 * cy;
  return [a0, a1, a2, b0, b1, b2, 0, 0];
}

/** Augments a batch [N,H,W,C]; `null` options return a copy. */
export function augmentBatch(x: tf.Tensor4D, options: AugmentOptions | null, rng: Rng): tf.Tensor4D {
  if (!options) return x.clone();
  const [n, h, w, c] = x.shape;
  const mats: number[] = [];
  const gains: number[] = [];
  const offsets: number[] = [];
  const gammas: number[] = [];
  for (let i = 0; i < n; i++) {
    mats.push(...randomWarp(w, h, options, rng));
    gains.push(options.contrast ? rng.uniform(1 - options.contrast, 1 + options.contrast) : 1);
    offsets.push(options.brightness ? rng.uniform(-options.brightness, options.brightness) : 0);
    if (options.gamma) gammas.push(Math.exp(rng.uniform(-options.gamma, options.gamma)));
  }
  const noise = options.noise ? gaussianNoise(n, h * w * c, options.noise, rng) : undefined;
  const erase = options.erasing?.probability ? erasingMask([n, h, w, c], options.erasing, rng) : undefined;
  // drawn last, so that presets without it keep the random streams they had
  const mendMask = options.mend ? inkMendMask(n, options.mend, rng) : undefined;
  return tf.tidy(() => {
    const mended = options.mend && mendMask ? mendBatch(x, mendMask, options.mend.size) : x;
    let y = warp(mended, mats, n, options);
    if (options.elastic) {
      // per-pixel fields have no tf kernel; on 160×80 inputs the JS field costs a few ms an image
      const bent = elasticBatch(y.dataSync() as Float32Array, [n, h, w, c], options.elastic, options.fillValue, rng);
      y = tf.tensor4d(bent.values, [n, h, w, c]);
    }
    if (options.gamma) {
      // clip first: pow of a negative base is NaN, and bilinear resampling can overshoot by a hair.
      y = tf.pow(tf.clipByValue(y, 1e-6, 1), tf.tensor4d(gammas, [n, 1, 1, 1])) as tf.Tensor4D;
    }
    if (options.contrast || options.brightness) {
      const mean = tf.mean(y, [1, 2, 3], true);
      const g = tf.tensor4d(gains, [n, 1, 1, 1]);
      const b = tf.tensor4d(offsets, [n, 1, 1, 1]);
      y = tf.add(tf.add(tf.mul(tf.sub(y, mean), g), mean), b) as tf.Tensor4D;
    }
    if (noise) y = tf.add(y, tf.tensor4d(noise, [n, h, w, c])) as tf.Tensor4D;
    if (erase) {
      const m = tf.tensor4d(erase.mask, [n, h, w, c]);
      y = tf.add(tf.mul(y, tf.sub(1, m)), tf.mul(m, tf.tensor4d(erase.fill, [n, h, w, c]))) as tf.Tensor4D;
    }
    return y;
  });
}

/** Per-image Gaussian noise (Box–Muller from the seeded Rng), σ_i ∈ [0, maxSigma]. */
function gaussianNoise(n: number, size: number, maxSigma: number, rng: Rng): Float32Array {
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const sigma = rng.uniform(0, maxSigma);
    for (let j = 0; j < size; j++) {
      const u = 1 - rng.next(); // (0, 1]: log is finite
      out[i * size + j] = sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
    }
  }
  return out;
}

/**
 * Random-erasing rectangles (Zhong et al. 2020, Alg. 1): mask = 1 inside the
 * erased rectangle, fill = uniform noise there. Exported for tests.
 */
export function erasingMask(
  shape: [number, number, number, number],
  erasing: { probability: number; area: [number, number] },
  rng: Rng,
): { mask: Float32Array; fill: Float32Array; boxes: Array<{ x: number; y: number; w: number; h: number } | null> } {
  const [n, h, w, c] = shape;
  const mask = new Float32Array(n * h * w * c);
  const fill = new Float32Array(n * h * w * c);
  const boxes: Array<{ x: number; y: number; w: number; h: number } | null> = [];
  for (let i = 0; i < n; i++) {
    if (rng.next() >= erasing.probability) {
      boxes.push(null);
      continue;
    }
    const area = rng.uniform(erasing.area[0], erasing.area[1]) * h * w;
    const ratio = Math.exp(rng.uniform(Math.log(1 / 3), Math.log(3)));
    const bh = Math.max(1, Math.min(h, Math.round(Math.sqrt(area * ratio))));
    const bw = Math.max(1, Math.min(w, Math.round(Math.sqrt(area / ratio))));
    const y0 = rng.int(h - bh + 1);
    const x0 = rng.int(w - bw + 1);
    boxes.push({ x: x0, y: y0, w: bw, h: bh });
    for (let yy = y0; yy < y0 + bh; yy++) {
      for (let xx = x0; xx < x0 + bw; xx++) {
        for (let ch = 0; ch < c; ch++) {
          const k = ((i * h + yy) * w + xx) * c + ch;
          mask[k] = 1;
          fill[k] = rng.next();
        }
      }
    }
  }
  return { mask, fill, boxes };
}

/**
 * tf.image.transform with one matrix per image. tfjs's cpu backend (4.x) fills
 * every image after the first with zeros when given N matrices, so there each
 * image is warped on its own; wasm (and webgl/node) handle the batch at once.
 */
function warp(x: tf.Tensor4D, mats: number[], n: number, options: AugmentOptions): tf.Tensor4D {
  return tf.tidy(() => {
    if (tf.getBackend() !== 'cpu' || n === 1) {
      return tf.image.transform(x, tf.tensor2d(mats, [n, 8]), 'bilinear', options.fillMode, options.fillValue) as tf.Tensor4D;
    }
    const parts = tf
      .split(x, n, 0)
      .map((xi, i) =>
        tf.image.transform(
          xi as tf.Tensor4D,
          tf.tensor2d(mats.slice(8 * i, 8 * i + 8), [1, 8]),
          'bilinear',
          options.fillMode,
          options.fillValue,
        ),
      );
    return tf.concat(parts, 0) as tf.Tensor4D;
  });
}
