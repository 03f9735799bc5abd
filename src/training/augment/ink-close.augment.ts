/**
 * Random ink mending, training only (`AugmentOptions.mend`, preset `signatures-mend`; rule MEND-RANDOM, session 41,
 * docs/experiments/signatures/mend-random/RULE.md): on a share of the batch's images, a greyscale closing of the
 * ink by a size×size square (Serra, "Image analysis and mathematical morphology", 1982: closing = dilation then
 * erosion of the ink; gaps of up to size − 1 pixels close, strokes keep their width).
 *
 * Why random and not fixed: rule MEND (session 40) closed every input, in training and in serving
 * (`preprocessing.inkMend`, src/embedding/preprocess/ink-mend.ts). It cost 1.8 points of EER with one reference and
 * the encoder still read wider breakage (forgeries closed 5×5 raised its EER by 4.9 points). With the closing drawn
 * at random per image, whether an image is mended is independent of its pair's label, so breakage stops predicting
 * "forgery" on the training pairs where only one side was mended; serving sees the input as it is.
 *
 * The inputs are ink-bright ('invert-unit': paper 0, ink 1), so the ink's dilation is a maximum filter and its
 * erosion a minimum filter (−max(−x)); `same` pooling ignores pixels beyond the border, which is the clamped edge
 * of the plane version (ink-mend.ts's `closeInk`, dark ink on light paper), so the two agree pixel for pixel on
 * inverted planes (test/training/augment/ink-close-augment.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../samplers/rng';

export interface InkMendAugmentOptions {
  /** Share of the images closed. */
  readonly probability: number;
  /** Side of the closing's square, odd, at least 3 (3: gaps of up to 2 px). */
  readonly size: number;
}

/** The closing of bright ink by a size×size square, for every image of the batch. Call inside `tf.tidy`. */
export function closeBrightInk(x: tf.Tensor4D, size: number): tf.Tensor4D {
  if (!Number.isInteger(size) || size < 3 || size % 2 === 0) throw new RangeError(`ink closing: size ${size} is not an odd integer ≥ 3`);
  const dilated = tf.maxPool(x, size, 1, 'same');
  return tf.neg(tf.maxPool(tf.neg(dilated), size, 1, 'same'));
}

/** Which of n images to close: one draw per image from the seeded Rng (1 = closed). */
export function inkMendMask(n: number, options: InkMendAugmentOptions, rng: Rng): number[] {
  const mask: number[] = [];
  for (let i = 0; i < n; i++) mask.push(rng.next() < options.probability ? 1 : 0);
  return mask;
}

/** The batch with the masked images' ink closed and the others as they were. Call inside `tf.tidy`. */
export function mendBatch(x: tf.Tensor4D, mask: readonly number[], size: number): tf.Tensor4D {
  if (mask.length !== x.shape[0]) throw new RangeError(`ink closing: ${mask.length} mask entries for ${x.shape[0]} images`);
  if (!mask.some((m) => m === 1)) return x;
  const m = tf.tensor4d([...mask], [mask.length, 1, 1, 1]);
  return tf.add(tf.mul(closeBrightInk(x, size), m), tf.mul(x, tf.sub(1, m))) as tf.Tensor4D;
}
