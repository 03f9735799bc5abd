/**
 * Mirrored writers (signatures, issue 17): every training writer reflected left to right becomes one more writer,
 * its genuine signatures and its skilled forgeries mirrored alike (transformed-writers.ts).
 *
 * Why: writer-independent verification is starved of writers (CEDAR: 34 for training, 25–26 per cross-validation
 * fold), and its error is the gap between training writers and new ones. Omniglot's mirrored classes
 * (mirrored-classes.ts) made more classes from the same drawings. What tells a forgery from a genuine signature
 * (tremor, hesitation, pen lifts, proportions, stroke quality) survives a reflection, while the writer's slant and
 * letter shapes do not, which is why the copies are new writers and not an augmentation of the old ones. Measured
 * in docs/experiments/signatures/mirrored-writers/RULE.md (session 21: shipped).
 */
import { mirrorLeftRight } from './mirrored-classes';
import type { PixelShape } from './rotated-classes';
import { withTransformedWriters, type WriterPixels } from './transformed-writers';

export type { WriterPixels } from './transformed-writers';

/**
 * Appends a mirrored copy of every writer as a new writer: writer j + n mirrors writer j, genuine and forged alike.
 * @returns the pixels (originals first, unchanged indices) and both group lists (original writers first).
 */
export function withMirroredWriters(
  pixels: readonly Float32Array[],
  genuine: readonly (readonly number[])[],
  forged: readonly (readonly number[])[],
  shape: PixelShape,
): WriterPixels {
  return withTransformedWriters(pixels, genuine, forged, [(p) => mirrorLeftRight(p, shape)]);
}
