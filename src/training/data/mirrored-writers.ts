/**
 * Mirrored writers (signatures, issue 17): every training writer reflected left to right becomes one more writer,
 * its genuine signatures and its skilled forgeries mirrored alike, so the mirror of a forgery stays a forgery of
 * the mirrored writer and the forgery pair sampler keeps its hard negatives for the new writers too.
 *
 * Why: writer-independent verification is starved of writers (CEDAR: 34 for training, 25–26 per cross-validation
 * fold), and its error is the gap between training writers and new ones. Omniglot's mirrored classes
 * (mirrored-classes.ts) made more classes from the same drawings. What tells a forgery from a genuine signature
 * (tremor, hesitation, pen lifts, proportions, stroke quality) survives a reflection, while the writer's slant and
 * letter shapes do not, which is why the copies are new writers and not an augmentation of the old ones. Whether
 * it helps is measured (docs/experiments/signatures/mirrored-writers/RULE.md), not assumed.
 *
 * Works on decoded HWC pixel arrays of the training writers only; validation writers are never mirrored.
 */
import { mirrorLeftRight } from './mirrored-classes';
import type { PixelShape } from './rotated-classes';

export interface WriterPixels {
  pixels: Float32Array[];
  /** genuine[w]: indices in `pixels` of writer w's genuine signatures. */
  genuine: number[][];
  /** forged[w]: indices in `pixels` of the skilled forgeries of writer w. */
  forged: number[][];
}

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
  if (genuine.length !== forged.length) throw new RangeError(`${genuine.length} genuine groups but ${forged.length} forgery groups`);
  const out = [...pixels];
  const mirrorAll = (group: readonly number[]) =>
    group.map((i) => {
      out.push(mirrorLeftRight(pixels[i], shape));
      return out.length - 1;
    });
  const mirroredGenuine = genuine.map(mirrorAll);
  const mirroredForged = forged.map(mirrorAll);
  return {
    pixels: out,
    genuine: [...genuine.map((g) => [...g]), ...mirroredGenuine],
    forged: [...forged.map((f) => [...f]), ...mirroredForged],
  };
}
