/**
 * Confidence intervals for AUC and EER by resampling identities (a cluster
 * bootstrap; Efron & Tibshirani 1993, percentile intervals). The pairs of a
 * verification test are far from independent: ORL's s31–s40 give 4,950 pairs
 * but only ten people, and one hard subject moves every pair it is in. So a
 * replicate draws the *identities* with replacement (multiplicity w_i) and
 * weighs each pair by the identities it joins:
 *
 *   same pair of identity i:          w_i
 *   different pair of identities i≠j: w_i · w_j
 *
 * and recomputes the ROC with those weights (roc.ts's tie handling, AUC and
 * EER interpolation, so unit weights reproduce the plain numbers exactly).
 */
import { auc, equalErrorRate, type Roc, type RocCurvePoint } from '../calibration/roc';
import { Rng } from '../samplers/rng';

export interface IdentityPairScore {
  distance: number;
  same: boolean;
  identityA: number;
  identityB: number;
}

export interface BootstrapInterval {
  level: number;
  rounds: number;
  auc: [number, number];
  eer: [number, number];
}

/** ROC of pairs sorted by distance, each with a weight (zero-weight pairs drop out). */
export function weightedRoc(sorted: readonly IdentityPairScore[], weights: ArrayLike<number>): Roc {
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i].same) positives += weights[i];
    else negatives += weights[i];
  }
  if (positives === 0 || negatives === 0) throw new RangeError('a replicate needs both same and different pairs');
  const first = sorted[0].distance;
  const points: RocCurvePoint[] = [{ threshold: first - Math.max(1e-6, Math.abs(first) * 1e-6), far: 0, tar: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length;) {
    const d = sorted[i].distance;
    while (i < sorted.length && sorted[i].distance === d) {
      if (sorted[i].same) tp += weights[i];
      else fp += weights[i];
      i++;
    }
    points.push({ threshold: d, far: fp / negatives, tar: tp / positives });
  }
  return { points, positives, negatives };
}

/** Linear-interpolated quantile of sorted values (type 7, as R and numpy default). */
export function quantile(sortedValues: readonly number[], q: number): number {
  const h = (sortedValues.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sortedValues.length - 1, lo + 1);
  return sortedValues[lo] + (h - lo) * (sortedValues[hi] - sortedValues[lo]);
}

export interface BootstrapOptions {
  rounds?: number;
  seed?: number;
  level?: number;
}

/** The options' defaults (1,000 rounds, 95 %, seed 1), after checking there are identities to resample. */
export function bootstrapSettings(options: BootstrapOptions, identityCount: number): { rounds: number; level: number; rng: Rng } {
  if (identityCount < 2) throw new RangeError('a bootstrap over identities needs at least two of them');
  return { rounds: options.rounds ?? 1000, level: options.level ?? 0.95, rng: new Rng(options.seed ?? 1) };
}

/** One replicate's draw: w[i] = how many times identity i was drawn, identityCount draws with replacement. */
export function drawIdentities(rng: Rng, w: Float64Array): void {
  w.fill(0);
  for (let k = 0; k < w.length; k++) w[rng.int(w.length)]++;
}

/**
 * The weight of each pair under the draw w: w_i for a pair inside identity i (a same pair, or a skilled forgery
 * scored against its writer: different, but both sides belong to writer i's cluster), w_i · w_j for a pair of two
 * identities. Until session 40 a different pair inside one identity weighed w_i², which over-weighted the forgery
 * pairs of writers drawn twice or more in the paired signature comparisons (review, session 40; forgery.eval.ts
 * weighed them w_i all along).
 */
export function pairWeights(pairs: readonly IdentityPairScore[], w: Float64Array, out: Float64Array): void {
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i];
    out[i] = p.same || p.identityA === p.identityB ? w[p.identityA] : w[p.identityA] * w[p.identityB];
  }
}

export function identityBootstrap(
  pairs: readonly IdentityPairScore[],
  identityCount: number,
  options: BootstrapOptions = {},
): BootstrapInterval {
  const { rounds, level, rng } = bootstrapSettings(options, identityCount);
  const sorted = [...pairs].sort((a, b) => a.distance - b.distance);
  const w = new Float64Array(identityCount);
  const weights = new Float64Array(sorted.length);
  const aucs: number[] = [];
  const eers: number[] = [];
  for (let r = 0; r < rounds; r++) {
    drawIdentities(rng, w);
    pairWeights(sorted, w, weights);
    let roc: Roc;
    try {
      roc = weightedRoc(sorted, weights);
    } catch {
      continue; // every draw was one identity: no different pairs; skip the replicate
    }
    aucs.push(auc(roc));
    eers.push(equalErrorRate(roc).eer);
  }
  aucs.sort((a, b) => a - b);
  eers.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return {
    level,
    rounds: aucs.length,
    auc: [quantile(aucs, tail), quantile(aucs, 1 - tail)],
    eer: [quantile(eers, tail), quantile(eers, 1 - tail)],
  };
}

/** Wilson score interval for a proportion (k successes of n), e.g. one-shot accuracy over 400 trials. */
export function wilsonInterval(k: number, n: number, level = 0.95): [number, number] {
  if (n === 0) return [0, 1];
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = k / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lowP = 0.02425;
  if (p < lowP) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lowP) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}
