/**
 * Ink tone equalisation (card `preprocessing.inkTone: 'equalize'`, after the ink crop's fit): each ink pixel's
 * darkness is replaced by its mid-rank among the image's ink pixels, v' = (below(L) + count(L)/2) / n, where L is
 * the pixel's 8-bit darkness (255 − grey), count(L) the ink pixels at L, below(L) those lighter than L, n all ink
 * pixels (darkness ≥ INK_TONE_FLOOR); lighter pixels become paper. The floor matters: the fit's resampling leaves
 * a faint ringing of a few grey levels beside every stroke, which equalisation without it lifted into a visible
 * halo (seen on CEDAR scans). This is histogram equalisation to a uniform tone (Gonzalez & Woods, Digital Image Processing, §3.3.1)
 * with ties at their mean rank, so the result does not depend on sort order.
 *
 * Why: the ink crop removes the paper level and scales stroke contrast (an affine map of darkness), but the
 * *shape* of the stroke-tone distribution survives it. In CEDAR it differs between genuine signatures and
 * forgeries, which were scanned apart (grey paper and pale ink against white paper and dark ink): a 16-bin
 * histogram of the served input's stroke tones alone separates them at 26 % EER over the 34 cross-validated
 * writers, and the shipped model's answers move with it (its fold ensembles on those writers: 18.6 % EER with the
 * two classes' tones swapped, 5.0 % with each class's own; session 25, docs/signatures.md). A user's genuine and
 * forged scans share a scanner, and a writer's genuine signatures do not share one pen, so a model should not
 * learn tone. After equalisation every image's ink holds the same tone distribution: any strictly increasing
 * remap of the ink's darkness gives the same input, and only where the ink lies and how its tones are ordered
 * remain. The cost: ink of one flat tone (a bilevel scan, a felt pen) has no tones but the fit's edge blur, which
 * equalisation spreads over the whole range; in ink-crop.test.ts the same flat page at 1× and 3× differs by 44 %
 * of its ink after equalisation against 20 % without.
 */

/** Darkness (8-bit) below which a fitted pixel is paper: 16 is 6 % of full ink, chosen above the ringing by eye. */
export const INK_TONE_FLOOR = 16;

/** Equalised copy of a dark-on-white 8-bit grey plane (1 channel). */
export function equalizeInkTone(grey: Uint8Array): Uint8Array {
  const count = new Float64Array(256);
  for (let i = 0; i < grey.length; i++) count[255 - grey[i]]++;
  let ink = 0;
  for (let d = INK_TONE_FLOOR; d < 256; d++) ink += count[d];
  const out = new Uint8Array(grey.length).fill(255);
  if (ink === 0) return out;
  const level = new Uint8Array(256).fill(255);
  let below = 0;
  for (let d = INK_TONE_FLOOR; d < 256; d++) {
    level[d] = 255 - Math.round((255 * (below + count[d] / 2)) / ink);
    below += count[d];
  }
  for (let i = 0; i < grey.length; i++) out[i] = level[255 - grey[i]];
  return out;
}
