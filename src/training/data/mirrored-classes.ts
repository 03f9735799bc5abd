/**
 * Mirrored copies as new classes: each training identity reflected left to
 * right becomes one more identity. With rotated classes (rotated-classes.ts)
 * applied first, the mirror of every rotation is added too, so a character
 * yields the 8 members of the square's symmetry group (dihedral D4) instead of
 * Snell et al.'s 4 rotations. A mirrored glyph is, to a reader, another glyph
 * (b and d), so this doubles the classes from the same drawings again; issue 17
 * trains on only 292 Omniglot characters, and whether the doubling helps is
 * measured there (docs/experiments/omniglot-mirror-member), not assumed.
 * Glyphs that are their own mirror image (O, A) yield a duplicate class, as
 * symmetric glyphs already do under rotation.
 *
 * Works on decoded HWC pixel arrays of the training split only.
 */
import { withTransformedClasses, type PixelShape } from './rotated-classes';

/** Reflects an HWC image left to right (column x goes to width − 1 − x). */
export function mirrorLeftRight(pixels: Float32Array, shape: PixelShape): Float32Array {
  const { height: h, width: w, channels: c } = shape;
  const out = new Float32Array(pixels.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = (y * w + x) * c;
      const dst = (y * w + (w - 1 - x)) * c;
      for (let ch = 0; ch < c; ch++) out[dst + ch] = pixels[src + ch];
    }
  }
  return out;
}

/**
 * Appends a mirrored copy of every group as a new identity, in the groups'
 * order, so group j + n mirrors group j (superclasses.ts relies on the blocks).
 * @returns the pixels (originals first, unchanged indices) and the groups (original groups first).
 */
export function withMirroredClasses(
  pixels: readonly Float32Array[],
  groups: readonly (readonly number[])[],
  shape: PixelShape,
): { pixels: Float32Array[]; groups: number[][] } {
  return withTransformedClasses(pixels, groups, [(p) => mirrorLeftRight(p, shape)]);
}
