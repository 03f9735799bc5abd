/**
 * Does a signature encoder tell forgeries by their stroke tone? (session 25, docs/signatures.md.) In CEDAR the
 * genuine scans and the forgeries were scanned apart, and the ink crop's affine contrast normalisation leaves the
 * shape of each scan's stroke-tone distribution. Two measurements, both on the encoder's own input (0 = paper,
 * 1 = full ink, after the card's preprocessing):
 *
 * - **The input's tone alone:** the χ² distance between two inputs' TONE_BINS-bin histograms of ink values
 *   (v > INK_VALUE_FLOOR), as a verification score with no model at all (toneHistogram, chiSquare). Near 50 %
 *   EER when the input carries no tone difference between the classes.
 * - **The raw scan's tone alone:** the same on the scan as it arrives: grey levels under Otsu's threshold t of the
 *   scan's grey histogram, in TONE_BINS bins of g/t (scanToneHistogram). What the ink crop has to remove.
 * - **Swapped tones:** every image's ink values replaced rank by rank with a reference distribution's quantiles
 *   (remapStrokeTones, a monotone remap: which pixels are ink and their order stay). With each class given its
 *   own pooled distribution the model sees its inputs' tones nearly as served; with each class given the
 *   *other* class's, a model that reads tone confuses the two; with one common distribution, it has none to read.
 *   The rise of the EER from own-class to swapped tones is what the model's answers owe to tone.
 */

import { otsuThreshold } from '../../embedding/preprocess/ink-crop';

/** Input values at or below this are paper (the fit's resampling leaves faint values next to strokes). */
export const INK_VALUE_FLOOR = 0.02;
export const TONE_BINS = 16;

/** `count` quantiles, at (i + ½)/count, of the ink values (> INK_VALUE_FLOOR) pooled over `inputs`. */
export function strokeToneQuantiles(inputs: readonly Float32Array[], count = 1000): Float64Array {
  const values: number[] = [];
  for (const x of inputs) for (const v of x) if (v > INK_VALUE_FLOOR) values.push(v);
  if (values.length === 0) throw new RangeError('no ink in the reference inputs');
  values.sort((a, b) => a - b);
  const q = new Float64Array(count);
  for (let i = 0; i < count; i++) q[i] = values[Math.min(values.length - 1, Math.floor(((i + 0.5) / count) * values.length))];
  return q;
}

/**
 * `input` with its ink values (> INK_VALUE_FLOOR) replaced by `quantiles` at their mid-rank: the k-th of n
 * (ties at their mean rank r) takes quantiles[⌊(r + ½)/n · quantiles.length⌋]. Paper stays as it is.
 */
export function remapStrokeTones(input: Float32Array, quantiles: ArrayLike<number>): Float32Array {
  const ink: number[] = [];
  for (let i = 0; i < input.length; i++) if (input[i] > INK_VALUE_FLOOR) ink.push(i);
  ink.sort((a, b) => input[a] - input[b] || a - b);
  const out = input.slice();
  const n = ink.length;
  for (let start = 0; start < n;) {
    let end = start;
    while (end + 1 < n && input[ink[end + 1]] === input[ink[start]]) end++;
    const rank = (start + end) / 2;
    const value = quantiles[Math.min(quantiles.length - 1, Math.floor(((rank + 0.5) / n) * quantiles.length))];
    for (let k = start; k <= end; k++) out[ink[k]] = value;
    start = end + 1;
  }
  return out;
}

/** Share of the ink values (> INK_VALUE_FLOOR) in each of `bins` equal bins of (0, 1]; zeros without ink. */
export function toneHistogram(input: Float32Array, bins = TONE_BINS): Float64Array {
  const h = new Float64Array(bins);
  let n = 0;
  for (const v of input)
    if (v > INK_VALUE_FLOOR) {
      h[Math.min(bins - 1, Math.floor(v * bins))]++;
      n++;
    }
  if (n > 0) for (let i = 0; i < bins; i++) h[i] /= n;
  return h;
}

/** χ² distance Σ (a − b)² / (a + b) over the bins where a + b > 0. */
export function chiSquare(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] + b[i];
    if (d > 0) s += (a[i] - b[i]) ** 2 / d;
  }
  return s;
}

/** A raw 8-bit grey scan's ink tones: the share of its pixels below Otsu's threshold t in each bin of g/t. */
export function scanToneHistogram(grey: Uint8Array, bins = TONE_BINS): Float64Array {
  const levels = new Float64Array(256);
  for (const g of grey) levels[g]++;
  const t = otsuThreshold(levels);
  const h = new Float64Array(bins);
  let n = 0;
  for (let g = 0; g < t; g++) {
    h[Math.min(bins - 1, Math.floor((g / t) * bins))] += levels[g];
    n += levels[g];
  }
  if (n > 0) for (let i = 0; i < bins; i++) h[i] /= n;
  return h;
}
