import { auc, computeRoc, equalErrorRate } from '../../../src/training/calibration/roc';
import {
  identityBootstrap,
  normalQuantile,
  pairWeights,
  quantile,
  weightedRoc,
  wilsonInterval,
  type IdentityPairScore,
} from '../../../src/training/evaluate/bootstrap';

/** All pairs of `perId` images for each identity; distance from `d(idA, idB, same)`. */
function pairsOf(ids: number, perId: number, d: (a: number, b: number, k: number) => number): IdentityPairScore[] {
  const out: IdentityPairScore[] = [];
  let k = 0;
  for (let a = 0; a < ids * perId; a++) {
    for (let b = a + 1; b < ids * perId; b++) {
      const ia = Math.floor(a / perId);
      const ib = Math.floor(b / perId);
      out.push({ distance: d(ia, ib, k++), same: ia === ib, identityA: ia, identityB: ib });
    }
  }
  return out;
}

describe('weightedRoc', () => {
  it('with unit weights is the plain ROC, so AUC and EER match roc.ts exactly', () => {
    const pairs = pairsOf(4, 3, (a, b, k) => (a === b ? 0.3 : 0.6) + ((k * 37) % 11) / 20);
    const sorted = [...pairs].sort((x, y) => x.distance - y.distance);
    const w = weightedRoc(sorted, new Float64Array(sorted.length).fill(1));
    const plain = computeRoc(pairs);
    expect(w.points).toEqual(plain.points);
    expect(auc(w)).toBe(auc(plain));
    expect(equalErrorRate(w).eer).toBe(equalErrorRate(plain).eer);
  });

  it('weighs pairs: a zero weight removes a pair, a weight of 2 counts it twice', () => {
    // Same pairs at 1 and 3, different pairs at 2 and 4.
    const sorted: IdentityPairScore[] = [
      { distance: 1, same: true, identityA: 0, identityB: 0 },
      { distance: 2, same: false, identityA: 0, identityB: 1 },
      { distance: 3, same: true, identityA: 1, identityB: 1 },
      { distance: 4, same: false, identityA: 0, identityB: 1 },
    ];
    // Unweighted: P(d_diff > d_same) = 3/4.
    expect(auc(weightedRoc(sorted, [1, 1, 1, 1]))).toBeCloseTo(0.75, 12);
    // Drop the same pair at 3: both remaining comparisons are won, AUC 1.
    expect(auc(weightedRoc(sorted, [1, 1, 0, 1]))).toBeCloseTo(1, 12);
    // Same pair at 3 counts twice: wins 1·2 + 2·1 of 3·2 comparisons = 4/6.
    expect(auc(weightedRoc(sorted, [1, 1, 2, 1]))).toBeCloseTo(4 / 6, 12);
    expect(() => weightedRoc(sorted, [1, 0, 1, 0])).toThrow(RangeError);
  });
});

describe('pairWeights', () => {
  // Draw: identity 0 twice, identity 1 once, identity 2 not at all.
  const w = new Float64Array([2, 1, 0]);
  it('weighs a pair inside one identity w_i, same or not (a skilled forgery against its own writer), and a pair of two w_i · w_j', () => {
    const pairs = [
      { distance: 0.1, same: true, identityA: 0, identityB: 0 },
      { distance: 0.2, same: false, identityA: 0, identityB: 0 }, // a forgery of writer 0: 2, not 2² = 4
      { distance: 0.3, same: false, identityA: 0, identityB: 1 }, // two identities: 2 · 1
      { distance: 0.4, same: false, identityA: 1, identityB: 2 }, // identity 2 undrawn: 1 · 0
      { distance: 0.5, same: true, identityA: 2, identityB: 2 },
    ];
    const out = new Float64Array(pairs.length);
    pairWeights(pairs, w, out);
    expect([...out]).toEqual([2, 2, 2, 0, 0]);
  });
});

describe('identityBootstrap', () => {
  it('gives a zero-width interval when every identity is perfectly separated', () => {
    const pairs = pairsOf(5, 3, (a, b) => (a === b ? 0.2 : 0.9));
    const ci = identityBootstrap(pairs, 5, { rounds: 200, seed: 3 });
    expect(ci.auc).toEqual([1, 1]);
    expect(ci.eer).toEqual([0, 0]);
    // A replicate that draws one identity five times has no different pairs and is skipped (p = 5/5⁵ each).
    expect(ci.rounds).toBeGreaterThanOrEqual(195);
    expect(ci.rounds).toBeLessThanOrEqual(200);
  });

  it('brackets the point estimate when one identity is hard, reproducibly by seed', () => {
    // Identity 0's own images are as far apart as strangers: its same pairs sit among the different pairs.
    const pairs = pairsOf(8, 4, (a, b, k) => (a === b && a !== 0 ? 0.2 : 0.8) + ((k * 13) % 7) / 100);
    const point = equalErrorRate(computeRoc(pairs)).eer;
    const ci = identityBootstrap(pairs, 8, { rounds: 500, seed: 5 });
    expect(ci.eer[0]).toBeLessThanOrEqual(point);
    expect(ci.eer[1]).toBeGreaterThan(point);
    // Replicates that leave identity 0 out are perfect: the lower end is 0.
    expect(ci.eer[0]).toBe(0);
    expect(identityBootstrap(pairs, 8, { rounds: 500, seed: 5 })).toEqual(ci);
  });
});

describe('intervals for proportions', () => {
  it('quantile interpolates like numpy', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
  });

  it('normalQuantile matches the standard normal table', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });

  it('wilsonInterval: 0 of 10 gives [0, z²/(n + z²)], and it contains p', () => {
    const z2 = 1.959964 ** 2;
    const [lo, hi] = wilsonInterval(0, 10);
    expect(lo).toBe(0);
    expect(hi).toBeCloseTo(z2 / (10 + z2), 5);
    const [a, b] = wilsonInterval(361, 400);
    expect(a).toBeLessThan(361 / 400);
    expect(b).toBeGreaterThan(361 / 400);
    expect(b - a).toBeGreaterThan(0.05);
    expect(b - a).toBeLessThan(0.07);
  });
});
