/**
 * Ink mending (card `preprocessing.inkMend: 'close3'`, with crop 'ink'): a greyscale closing of the fitted ink,
 * a 3×3 minimum filter (dark ink grows by a pixel) then a 3×3 maximum filter (it shrinks back). Gaps of up to 2
 * pixels close and strokes keep their width; paper stays paper (Serra, "Image analysis and mathematical
 * morphology", 1982: closing = dilation then erosion of the ink, idempotent and extensive).
 *
 * Why: CEDAR's skilled forgeries break into more ink pieces than its genuine signatures (fainter, thinner strokes),
 * and a model trained on them reads that: with only the forgeries' ink mended, the shipped signature model accepted
 * 7.9 % of them instead of 3.0 % (session 39, docs/experiments/signatures/hard-writers/RULE-breakage.md). A model
 * that sees every input mended, in training and in serving, cannot lean on gaps of a pixel or two, which another
 * pen, paper or scanner need not reproduce. Applied after the fit (ink-crop.ts step 7), as the tone equalisation
 * is, so the gaps it closes are pixels of the encoder's input whatever the scan's resolution.
 */

/** 3×3 minimum or maximum of a grey plane (row-major), edges clamped: ink within a pixel of the border may spread
 *  to it; the ink crop's margin and the 'contain' fit's paper padding keep strokes off the fitted input's border. */
function filter3(plane: Uint8Array, width: number, height: number, takeMin: boolean): Uint8Array {
  const out = new Uint8Array(plane.length);
  for (let y = 0; y < height; y++) {
    const rows = [Math.max(0, y - 1), y, Math.min(height - 1, y + 1)];
    for (let x = 0; x < width; x++) {
      const x0 = Math.max(0, x - 1);
      const x1 = Math.min(width - 1, x + 1);
      let v = plane[y * width + x];
      for (const r of rows)
        for (let xx = x0; xx <= x1; xx++) {
          const p = plane[r * width + xx];
          v = takeMin ? Math.min(v, p) : Math.max(v, p);
        }
      out[y * width + x] = v;
    }
  }
  return out;
}

/** The closing of dark ink on light paper by a 3×3 square ('close3'): a new plane, the input untouched. */
export function mendInk(plane: Uint8Array, width: number, height: number): Uint8Array {
  return closeInk(plane, width, height, 3);
}

/**
 * The closing by a size×size square (size odd): gaps of up to size − 1 pixels close. A size×size minimum is (size − 1)/2
 * 3×3 minimums in a row (a square dilated by a square), likewise the maximum. Serving uses size 3 only; larger sizes
 * are for probing a model (docs/experiments/signatures/hard-writers/mend.ts).
 */
export function closeInk(plane: Uint8Array, width: number, height: number, size: number): Uint8Array {
  if (plane.length !== width * height) throw new RangeError(`closeInk: ${plane.length} pixels for ${width}×${height}`);
  if (!Number.isInteger(size) || size < 3 || size % 2 === 0) throw new RangeError(`closeInk: size ${size} is not an odd integer ≥ 3`);
  let out = plane;
  for (let i = 0; i < (size - 1) / 2; i++) out = filter3(out, width, height, true);
  for (let i = 0; i < (size - 1) / 2; i++) out = filter3(out, width, height, false);
  return out;
}
