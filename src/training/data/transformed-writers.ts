/**
 * Writers made from writers (signatures, issue 17): a fixed transform applied to every image of a training writer,
 * genuine signatures and skilled forgeries alike, gives one more writer. The copy of a forgery stays a forgery of
 * the copied writer, so the forgery pair sampler keeps its hard negatives for the new writers too.
 * mirrored-writers.ts (left-right mirror) and rotated-writers.ts (half turn) are the transforms in use.
 *
 * Works on decoded HWC pixel arrays of the training writers only; validation writers are never transformed.
 */
export interface WriterPixels {
  pixels: Float32Array[];
  /** genuine[w]: indices in `pixels` of writer w's genuine signatures. */
  genuine: number[][];
  /** forged[w]: indices in `pixels` of the skilled forgeries of writer w. */
  forged: number[][];
}

/**
 * Appends, for each transform in turn, a transformed copy of every writer as a new writer: with n writers, writer
 * j + (t + 1)·n is transform t of writer j. Genuine copies come before forgery copies in `pixels`, block by block.
 * @returns the pixels (originals first, unchanged indices) and both group lists (original writers first).
 */
export function withTransformedWriters(
  pixels: readonly Float32Array[],
  genuine: readonly (readonly number[])[],
  forged: readonly (readonly number[])[],
  transforms: readonly ((pixels: Float32Array) => Float32Array)[],
): WriterPixels {
  if (genuine.length !== forged.length) throw new RangeError(`${genuine.length} genuine groups but ${forged.length} forgery groups`);
  const out = [...pixels];
  const outGenuine = genuine.map((g) => [...g]);
  const outForged = forged.map((f) => [...f]);
  for (const transform of transforms) {
    const copyAll = (group: readonly number[]) =>
      group.map((i) => {
        out.push(transform(pixels[i]));
        return out.length - 1;
      });
    outGenuine.push(...genuine.map(copyAll));
    outForged.push(...forged.map(copyAll));
  }
  return { pixels: out, genuine: outGenuine, forged: outForged };
}
