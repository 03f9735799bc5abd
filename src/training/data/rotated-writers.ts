/**
 * Half-turned writers (signatures, issue 17): every training writer turned by 180° becomes one more writer, its
 * genuine signatures and skilled forgeries turned alike (transformed-writers.ts). With mirrored writers added after
 * it, a writer yields the four symmetries of the rectangle (identity, half turn, left-right mirror, and their
 * product, the upside-down flip), as rotated then mirrored classes give Omniglot's characters the square's eight.
 *
 * Why only 180°: a quarter turn changes a 160×80 input's shape, and a signature on its side is no signature. A
 * half turn keeps the shape, and what tells a forgery from the genuine article (tremor, hesitation, pen lifts,
 * stroke quality) survives it as it survives a mirror. Whether it helps is measured
 * (docs/experiments/signatures/four-symmetries/RULE.md), not assumed.
 */
import { rotateQuarterTurns, type PixelShape } from './rotated-classes';
import { withTransformedWriters, type WriterPixels } from './transformed-writers';

/**
 * Appends a half-turned copy of every writer as a new writer: writer j + n is writer j turned by 180°.
 * @returns the pixels (originals first, unchanged indices) and both group lists (original writers first).
 */
export function withHalfTurnedWriters(
  pixels: readonly Float32Array[],
  genuine: readonly (readonly number[])[],
  forged: readonly (readonly number[])[],
  shape: PixelShape,
): WriterPixels {
  return withTransformedWriters(pixels, genuine, forged, [(p) => rotateQuarterTurns(p, shape, 2)]);
}
