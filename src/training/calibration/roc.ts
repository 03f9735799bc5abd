/**
 * Verification ROC from (distance, same) scores, and the operating points the
 * model card stores. A pair is accepted as "same" when d ≤ t (metric.ts isMatch),
 * so for a threshold t:
 *
 *   TAR(t) = #{same pairs with d ≤ t} / #same        (true-accept rate)
 *   FAR(t) = #{different pairs with d ≤ t} / #different (false-accept rate)
 *
 * The curve has one point per distinct distance (ties move TAR and FAR together,
 * a diagonal step), plus the origin. AUC by the trapezoid rule over those
 * points equals P(d_diff > d_same) + ½·P(d_diff = d_same), the Mann-Whitney
 * statistic, so ties are counted half.
 */
export interface ScoredPair {
  distance: number;
  same: boolean;
}

export interface RocCurvePoint {
  /** Accept when d ≤ threshold. The origin point uses a threshold just below the smallest distance. */
  threshold: number;
  far: number;
  tar: number;
}

export interface Roc {
  points: RocCurvePoint[];
  positives: number;
  negatives: number;
}

export function computeRoc(scores: readonly ScoredPair[]): Roc {
  const positives = scores.filter((s) => s.same).length;
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new RangeError(`a ROC needs both same and different pairs (got ${positives} same, ${negatives} different)`);
  }
  for (const s of scores) {
    if (!Number.isFinite(s.distance)) throw new RangeError(`non-finite distance ${s.distance}`);
  }
  const sorted = [...scores].sort((a, b) => a.distance - b.distance);
  const first = sorted[0].distance;
  const points: RocCurvePoint[] = [{ threshold: first - Math.max(1e-6, Math.abs(first) * 1e-6), far: 0, tar: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length;) {
    const d = sorted[i].distance;
    while (i < sorted.length && sorted[i].distance === d) {
      if (sorted[i].same) tp++;
      else fp++;
      i++;
    }
    points.push({ threshold: d, far: fp / negatives, tar: tp / positives });
  }
  return { points, positives, negatives };
}

/** Area under the ROC (trapezoids; equals the Mann-Whitney U / (P·N) with ties counted ½). */
export function auc(roc: Roc): number {
  let area = 0;
  const p = roc.points;
  for (let i = 1; i < p.length; i++) area += ((p[i].far - p[i - 1].far) * (p[i].tar + p[i - 1].tar)) / 2;
  return area;
}

/**
 * Equal error rate: where FAR = FRR (= 1 − TAR), linearly interpolated between
 * the two ROC points that bracket the crossing; the threshold is interpolated
 * with the same weight.
 */
export function equalErrorRate(roc: Roc): { eer: number; threshold: number } {
  const p = roc.points;
  // g = FAR − FRR rises from −1 at the origin to +1 at the last point.
  const g = (q: RocCurvePoint) => q.far - (1 - q.tar);
  for (let i = 1; i < p.length; i++) {
    const g0 = g(p[i - 1]);
    const g1 = g(p[i]);
    if (g1 >= 0) {
      const alpha = g1 === g0 ? 0 : -g0 / (g1 - g0);
      const far = p[i - 1].far + alpha * (p[i].far - p[i - 1].far);
      const threshold = p[i - 1].threshold + alpha * (p[i].threshold - p[i - 1].threshold);
      return { eer: far, threshold };
    }
  }
  const last = p[p.length - 1];
  return { eer: last.far, threshold: last.threshold };
}

/**
 * The threshold with the highest accuracy (TP + TN)/(P + N) on these pairs,
 * placed midway to the next distinct distance so it does not sit exactly on a
 * training score. Ties between thresholds keep the smallest.
 */
export function maxAccuracyThreshold(roc: Roc): { threshold: number; accuracy: number } {
  const { points: p, positives: P, negatives: N } = roc;
  let best = 0;
  let bestAcc = -1;
  for (let i = 0; i < p.length; i++) {
    const acc = (p[i].tar * P + (1 - p[i].far) * N) / (P + N);
    if (acc > bestAcc + 1e-12) {
      bestAcc = acc;
      best = i;
    }
  }
  const threshold = best + 1 < p.length ? (p[best].threshold + p[best + 1].threshold) / 2 : p[best].threshold;
  return { threshold, accuracy: bestAcc };
}

/**
 * The largest threshold whose FAR on these pairs is ≤ targetFar, and the TAR
 * there. With few negatives a small target can only be met at FAR = 0.
 */
export function thresholdAtFar(roc: Roc, targetFar: number): { threshold: number; far: number; tar: number } {
  let chosen = roc.points[0];
  for (const q of roc.points) {
    if (q.far <= targetFar + 1e-12) chosen = q;
    else break;
  }
  return { threshold: chosen.threshold, far: chosen.far, tar: chosen.tar };
}

export function tarAtFar(roc: Roc, targetFar: number): number {
  return thresholdAtFar(roc, targetFar).tar;
}

/** Accuracy of the rule d ≤ threshold on the given pairs. */
export function accuracyAt(scores: readonly ScoredPair[], threshold: number): number {
  if (scores.length === 0) return Number.NaN;
  let correct = 0;
  for (const s of scores) if (s.distance <= threshold === s.same) correct++;
  return correct / scores.length;
}

/**
 * At most `maxPoints` points along the curve, keeping both ends and spacing the
 * rest by path length in (FAR, TAR), so steep and flat parts both keep shape.
 */
export function downsampleRoc(points: readonly RocCurvePoint[], maxPoints = 200): RocCurvePoint[] {
  if (points.length <= maxPoints) return points.map((q) => ({ ...q }));
  let total = 0;
  for (let i = 1; i < points.length; i++) total += step(points[i - 1], points[i]);
  const spacing = total / (maxPoints - 1);
  const out: RocCurvePoint[] = [{ ...points[0] }];
  let acc = 0;
  for (let i = 1; i < points.length - 1; i++) {
    acc += step(points[i - 1], points[i]);
    if (acc >= spacing * out.length && out.length < maxPoints - 1) out.push({ ...points[i] });
  }
  out.push({ ...points[points.length - 1] });
  return out;
}

function step(a: RocCurvePoint, b: RocCurvePoint): number {
  return Math.abs(b.far - a.far) + Math.abs(b.tar - a.tar);
}
