/**
 * Fixed test-time views, as part of the model: when the card sets
 * `preprocessing.testTimeViews`, an image is also embedded through each listed
 * view (a small rotation, scale or shear about the input's centre) and the
 * embeddings are summed with the plain one before normalisation (encodeBatch in
 * flip-average.ts):
 *
 *     e(x) = normalise( f(x) + Σ_v f(W_v x) )
 *
 * The views are fixed numbers in the card, not random draws, so one image
 * always gets one embedding (the index, the thresholds and a second call agree).
 * Averaging an encoder over small pose changes of its input is test-time
 * augmentation (e.g. Simonyan & Zisserman 2015's multi-view testing; Krizhevsky
 * et al. 2012's ten crops): the views that the training augmentation drew from
 * are equally plausible copies of the image, and their mean embedding carries
 * less of the one copy's placement noise.
 *
 * W_v samples the input at c + A_v (p − c) for output pixel p, c the centre,
 * A_v = (1/s) · R(θ) · [[1, shear], [0, 1]]: content enlarged by s, turned by θ.
 * Outside the input the view reads the background: 0 for 'invert-unit' inputs
 * (ink = 1 on paper = 0), the nearest edge pixel otherwise.
 */
import * as tf from '@tensorflow/tfjs';

/** One fixed view of the encoder input, about its centre. Absent fields are the identity. */
export interface TestTimeView {
  /** Content enlarged by this factor (0.96 = 4 % smaller). */
  scale?: number;
  /** Content turned by this many degrees. */
  rotationDeg?: number;
  /** Horizontal shear: output pixel (x, y) reads input x + shear · (y − centre), so content moves by −shear · (y − centre). */
  shear?: number;
}

/** Where a view reads outside the input: a constant background level, or the nearest edge pixel. */
export type ViewFill = { constant: number } | 'nearest';

/** The limits a card's views must keep: mild pose changes, at most 16 extra views. */
export const VIEW_LIMITS = { maxViews: 16, scale: [0.8, 1.25], rotationDeg: 15, shear: 0.2 } as const;

/** Problems with a card's `testTimeViews` (none = valid; an empty list is no views, as inferenceSpec reads it). */
export function testTimeViewProblems(views: unknown): string[] {
  if (!Array.isArray(views)) return ['preprocessing.testTimeViews must be an array of views'];
  const problems: string[] = [];
  if (views.length > VIEW_LIMITS.maxViews)
    problems.push(`preprocessing.testTimeViews must list at most ${VIEW_LIMITS.maxViews} views (got ${views.length})`);
  views.forEach((v: unknown, i) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push(`preprocessing.testTimeViews[${i}] must be an object of scale, rotationDeg and shear`);
      return;
    }
    const o = v as Record<string, unknown>;
    const num = (k: string) => o[k] === undefined || (typeof o[k] === 'number' && Number.isFinite(o[k] as number));
    for (const k of Object.keys(o))
      if (!['scale', 'rotationDeg', 'shear'].includes(k)) problems.push(`preprocessing.testTimeViews[${i}] has an unknown field '${k}'`);
    if (
      !num('scale') ||
      (o.scale !== undefined && ((o.scale as number) < VIEW_LIMITS.scale[0] || (o.scale as number) > VIEW_LIMITS.scale[1]))
    )
      problems.push(`preprocessing.testTimeViews[${i}].scale must be in [${VIEW_LIMITS.scale.join(', ')}]`);
    if (!num('rotationDeg') || Math.abs((o.rotationDeg as number) ?? 0) > VIEW_LIMITS.rotationDeg)
      problems.push(`preprocessing.testTimeViews[${i}].rotationDeg must be within ±${VIEW_LIMITS.rotationDeg}`);
    if (!num('shear') || Math.abs((o.shear as number) ?? 0) > VIEW_LIMITS.shear)
      problems.push(`preprocessing.testTimeViews[${i}].shear must be within ±${VIEW_LIMITS.shear}`);
  });
  return problems;
}

/** tf.image.transform's 8 parameters (output pixel → input pixel) of one view of a w×h input. */
export function viewMatrix(view: TestTimeView, w: number, h: number): number[] {
  const s = view.scale ?? 1;
  const theta = ((view.rotationDeg ?? 0) * Math.PI) / 180;
  const k = view.shear ?? 0;
  const c = Math.cos(theta) / s;
  const n = Math.sin(theta) / s;
  // A = (1/s) [[cos, −sin], [sin, cos]] · [[1, k], [0, 1]]
  const a0 = c;
  const a1 = c * k - n;
  const b0 = n;
  const b1 = n * k + c;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  return [a0, a1, cx - a0 * cx - a1 * cy, b0, b1, cy - b0 * cx - b1 * cy, 0, 0];
}

/**
 * The batch x [N,H,W,C] seen through one view, bilinear. tfjs's cpu backend (4.x) warps only the first image of
 * a batch correctly (training's augmentation notes the same), so there each image is warped on its own.
 */
export function applyView(x: tf.Tensor4D, view: TestTimeView, fill: ViewFill): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = x.shape;
    const m = tf.tensor2d(viewMatrix(view, w, h), [1, 8]);
    const mode = fill === 'nearest' ? 'nearest' : 'constant';
    const value = fill === 'nearest' ? 0 : fill.constant;
    const one = (xi: tf.Tensor4D) => tf.image.transform(xi, m, 'bilinear', mode, value) as tf.Tensor4D;
    if (n === 1) return one(x);
    if (tf.getBackend() !== 'cpu') return batched(x, m, mode, value);
    return tf.concat(
      tf.split(x, n, 0).map((xi) => one(xi as tf.Tensor4D)),
      0,
    ) as tf.Tensor4D;
  });
}

/** One matrix repeated per image: tf.image.transform takes [1,8] or [N,8]; [N,8] is the documented batch form. */
function batched(x: tf.Tensor4D, m: tf.Tensor2D, mode: 'nearest' | 'constant', value: number): tf.Tensor4D {
  return tf.image.transform(x, tf.tile(m, [x.shape[0], 1]) as tf.Tensor2D, 'bilinear', mode, value) as tf.Tensor4D;
}
