/**
 * Rotated copies as new classes: each training identity seen rotated by 90°,
 * 180° and 270° becomes three more identities (Santoro et al. 2016; Vinyals et
 * al. 2016; Snell et al. 2017 use it for Omniglot). A character turned upside
 * down is a different glyph to a reader, so the encoder must tell it apart
 * from the upright one: four times the classes from the same drawings. Only
 * for data where rotation changes identity (characters, not faces); non-square
 * inputs get the 180° copy only, since 90° would change the tensor shape.
 *
 * Works on decoded HWC pixel arrays, so it applies to the training split only
 * and validation stays untouched.
 */
export interface PixelShape {
  height: number;
  width: number;
  channels: number;
}

/** Rotates an HWC image by quarterTurns × 90° counter-clockwise. */
export function rotateQuarterTurns(pixels: Float32Array, shape: PixelShape, quarterTurns: number): Float32Array {
  const { height: h, width: w, channels: c } = shape;
  const q = ((quarterTurns % 4) + 4) % 4;
  if (q === 0) return pixels.slice();
  if (q % 2 === 1 && h !== w) throw new RangeError(`a ${q * 90}° rotation of a ${w}×${h} image changes its shape`);
  const out = new Float32Array(pixels.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Destination (y', x') of source (y, x) for a counter-clockwise turn.
      let dy: number;
      let dx: number;
      if (q === 1) [dy, dx] = [w - 1 - x, y];
      else if (q === 2) [dy, dx] = [h - 1 - y, w - 1 - x];
      else [dy, dx] = [x, h - 1 - y];
      const src = (y * w + x) * c;
      const dst = (dy * w + dx) * c;
      for (let ch = 0; ch < c; ch++) out[dst + ch] = pixels[src + ch];
    }
  }
  return out;
}

/**
 * Appends rotated copies of every image as new identities.
 * @returns the pixels (originals first, unchanged indices) and the groups (original groups first).
 */
export function withRotatedClasses(
  pixels: readonly Float32Array[],
  groups: readonly (readonly number[])[],
  shape: PixelShape,
): { pixels: Float32Array[]; groups: number[][] } {
  const turns = shape.height === shape.width ? [1, 2, 3] : [2];
  return withTransformedClasses(
    pixels,
    groups,
    turns.map((q) => (p: Float32Array) => rotateQuarterTurns(p, shape, q)),
  );
}

/**
 * Appends, for each transform in turn, a transformed copy of every group as a
 * new identity: block t holds groups.length groups, group j of block t is
 * transform t of group j (superclasses.ts relies on the blocks).
 */
export function withTransformedClasses(
  pixels: readonly Float32Array[],
  groups: readonly (readonly number[])[],
  transforms: readonly ((pixels: Float32Array) => Float32Array)[],
): { pixels: Float32Array[]; groups: number[][] } {
  const outPixels = [...pixels];
  const outGroups = groups.map((g) => [...g]);
  for (const transform of transforms) {
    for (const g of groups) {
      const copy: number[] = [];
      for (const i of g) {
        copy.push(outPixels.length);
        outPixels.push(transform(pixels[i]));
      }
      outGroups.push(copy);
    }
  }
  return { pixels: outPixels, groups: outGroups };
}
