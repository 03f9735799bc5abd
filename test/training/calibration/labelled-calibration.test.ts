import { labelledMidpoint, labelledThreshold } from '../../../src/metric/labelled-threshold';
import { referenceSpread } from '../../../src/metric/metric';
import { calibrateLabelled, labelledScores } from '../../../src/training/calibration/labelled-calibration';
import { calibrateReferences, referenceScores } from '../../../src/training/calibration/reference-calibration';

/**
 * Per-identity thresholds from labelled negatives (issue 17, session 28), on 3-D embeddings whose answers do
 * not depend on the draw. A writer's three genuine signatures are the corners of an equilateral triangle of
 * side L in the z = 0 plane, centred on the axis; both its forgeries sit on the axis at height z. With R = 2
 * references the centroid is an edge's midpoint whichever two are drawn, so:
 *   the questioned genuine corner lies at the triangle's height L·√3/2 from it,
 *   each reference lies at L from the other (the leave-one-out spread s = L),
 *   a forgery lies at n = √(L²/12 + z²) from it (L/(2√3) is the inradius): f = n with K = 1.
 * Score: genuine L·√3/2 − ½(L + n), forgery n − ½(L + n) = ½(n − L).
 *   A: L = 1, n = 1.2       B: L = 2, n = 2.5
 * One threshold on the plain centroid distance cannot separate them (A's forgery 1.2 < B's genuine √3), the
 * per-writer midpoint can: genuine −0.234 (A) and −0.518 (B), forgeries 0.1 (A) and 0.25 (B).
 */
const writer = (L: number, n: number): Float32Array[] => {
  const r = L / Math.sqrt(3);
  const corner = (deg: number) => Float32Array.of(r * Math.cos((deg * Math.PI) / 180), r * Math.sin((deg * Math.PI) / 180), 0);
  const z = Math.sqrt(n * n - (L * L) / 12);
  return [corner(90), corner(210), corner(330), Float32Array.of(0, 0, z), Float32Array.of(0, 0, z)];
};
const embeddings = [...writer(1, 1.2), ...writer(2, 2.5)];
const groups = [
  [0, 1, 2],
  [5, 6, 7],
];
const forged = [
  [3, 4],
  [8, 9],
];
const base = { embeddings, groups, forged, metric: 'euclidean' as const, draws: 3, counts: [2] };
const genuine = (L: number, n: number) => (L * Math.sqrt(3)) / 2 - (L + n) / 2;
const forgery = (L: number, n: number) => (n - L) / 2;
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
/** The card's threshold for R = 2: the cap of the served threshold. */
const capAt = (threshold: number) => [{ references: 2, threshold, auc: 1, eer: 0, far: 0, frr: 0, positivePairs: 0, negativePairs: 0 }];

describe('labelled-negative thresholds', () => {
  it('referenceSpread is the mean leave-one-out distance; the threshold is min(t_R, ½(s + f) + offset), never below 0', () => {
    // 1-D references 0, 2, 4: distances to the others' centroid 3, 0, 3 → mean 2.
    expect(
      referenceSpread(
        [0, 2, 4].map((x) => Float32Array.of(x)),
        'euclidean',
      ),
    ).toBeCloseTo(2, 12);
    expect(referenceSpread([Float32Array.of(5)], 'euclidean')).toBe(0);
    expect(labelledMidpoint(0.2, 0.6)).toBeCloseTo(0.4, 12);
    expect(labelledThreshold(0.2, 0.6, -0.1, 1)).toBeCloseTo(0.3, 12);
    expect(labelledThreshold(0.2, 0.6, -0.5, 1)).toBe(0);
    // Never looser than the card's threshold for R, however far the labelled negatives lie.
    expect(labelledThreshold(0.2, 1.8, 0.1, 0.5)).toBe(0.5);
  });

  it('scores each questioned image against the midpoint of its writer', () => {
    const scores = labelledScores({ ...base, rule: { defaultRule: 'eer', targetFar: 0.01 } }, 2, 1)!;
    const expectGroup = (values: number[], expected: number[]) => {
      expect(values).toHaveLength(expected.length);
      sorted(values).forEach((v, i) => expect(v).toBeCloseTo(sorted(expected)[i], 5));
    };
    // 3 draws per writer: one questioned genuine and one unlabelled forgery each.
    expectGroup(
      scores.filter((s) => s.same).map((s) => s.distance),
      [...Array(3).fill(genuine(1, 1.2)), ...Array(3).fill(genuine(2, 2.5))],
    );
    expectGroup(
      scores.filter((s) => !s.same).map((s) => s.distance),
      [...Array(3).fill(forgery(1, 1.2)), ...Array(3).fill(forgery(2, 2.5))],
    );
  });

  it("calibrates an offset per (R, K) by the card's rule, where one threshold per R cannot separate the writers", () => {
    const rule = { defaultRule: 'atTargetFar' as const, targetFar: 0.6 };
    // A cap of 3 binds nothing here (every centroid distance is below 2.5).
    const [entry, ...more] = calibrateLabelled({ ...base, references: capAt(3), labelledCounts: [2, 1], rule });
    // K = 2 needs 3 forgeries per writer: only K = 1 is calibrated.
    expect(more).toEqual([]);
    // FAR ≤ 0.6: the largest threshold accepting at most 3 of the 6 forgeries is A's forgery score, ½(1.2 − 1).
    expect(entry).toMatchObject({ references: 2, labelled: 1, auc: 1, eer: 0, far: 0.5, frr: 0, positivePairs: 6, negativePairs: 6 });
    expect(entry.offset).toBeCloseTo(forgery(1, 1.2), 5);
    const [plain] = calibrateReferences({ ...base, rule });
    expect(plain.eer).toBeGreaterThan(0.25);
  });

  it("calibrates the midpoint's offset, and reports the rates of the decision capped at the card's t_R", () => {
    // t_R = 1: A's forgery (1.2), B's genuine (√3) and B's forgery (2.5) lie beyond it, so only A's genuine (√3/2)
    // is accepted. The offset is the midpoint's own (as with no cap: A's forgery score); the rates are the capped rule's.
    const rule = { defaultRule: 'atTargetFar' as const, targetFar: 0.6 };
    const [entry] = calibrateLabelled({ ...base, references: capAt(1), labelledCounts: [1], rule });
    expect(entry).toMatchObject({ references: 2, labelled: 1, auc: 1, eer: 0, far: 0, frr: 0.5, positivePairs: 6, negativePairs: 6 });
    expect(entry.offset).toBeCloseTo(forgery(1, 1.2), 5);
  });

  it("rule SPREAD (β = ½): reference scores are d − ½·s, the references' spread s = L whichever two are drawn", () => {
    // Shifted: A genuine √3/2 − ½, forgery 1.2 − ½; B genuine √3 − 1, forgery 2.5 − 1.
    const rule = { defaultRule: 'eer' as const, targetFar: 0.01, referenceShift: 0.5 };
    const scores = referenceScores({ ...base, rule }, 2)!;
    const of = (identity: number, same: boolean) => scores.filter((s) => s.identity === identity && s.same === same).map((s) => s.distance);
    for (const d of of(0, true)) expect(d).toBeCloseTo(Math.sqrt(3) / 2 - 0.5, 5);
    for (const d of of(0, false)) expect(d).toBeCloseTo(1.2 - 0.5, 5);
    for (const d of of(1, true)) expect(d).toBeCloseTo(Math.sqrt(3) - 1, 5);
    for (const d of of(1, false)) expect(d).toBeCloseTo(2.5 - 1, 5);
    expect(of(0, true)).toHaveLength(3);
    expect(of(1, false)).toHaveLength(6);
    // Calibrated on the shifted score: B's three genuine (0.73) still sit above A's six forgeries (0.7), so
    // AUC = (3·12 + 3·6) / (6·12) = 0.75; at FAR ≤ 0.5 the largest ROC point is B's genuine score √3 − 1 (A's
    // six forgeries of twelve accepted; the next point, B's forgeries at 1.5, accepts all).
    const [shifted] = calibrateReferences({ ...base, rule: { ...rule, defaultRule: 'atTargetFar', targetFar: 0.5 } });
    expect(shifted.auc).toBeCloseTo(0.75, 12);
    expect(shifted.threshold).toBeCloseTo(Math.sqrt(3) - 1, 5);
    expect(shifted.far).toBeCloseTo(0.5, 12);
  });

  it('rule SPREAD: the labelled cap reads t_R against d − β·s, as the service does', () => {
    // t_R = 1 on the shifted scores: A genuine 0.37, A forgery 0.7 and B genuine 0.73 pass the cap, B's forgery (1.5)
    // does not; the midpoint (offset = A's forgery score 0.1) accepts both genuine and A's forgery: 3 of 6 forgeries
    // accepted, no genuine rejected (without the shift the same cap rejected B's genuine: far 0, frr 0.5, above).
    const rule = { defaultRule: 'atTargetFar' as const, targetFar: 0.6, referenceShift: 0.5 };
    const [entry] = calibrateLabelled({ ...base, references: capAt(1), labelledCounts: [1], rule });
    expect(entry).toMatchObject({ references: 2, labelled: 1, far: 0.5, frr: 0 });
    const scores = labelledScores({ ...base, rule }, 2, 1)!;
    for (const s of scores) expect(s.capScore).toBeCloseTo(s.centroidDistance - 0.5 * (s.identity === 0 ? 1 : 2), 5);
  });

  it('makes no entry without forgeries, without a card threshold for R, or for an R or K fewer than two writers reach', () => {
    const rule = { defaultRule: 'eer' as const, targetFar: 0.01 };
    expect(calibrateLabelled({ embeddings, groups, metric: 'euclidean', references: capAt(3), rule })).toEqual([]);
    expect(calibrateLabelled({ ...base, references: [], rule })).toEqual([]);
    expect(labelledScores({ ...base, rule }, 3, 1)).toBeNull();
    expect(labelledScores({ ...base, forged: [[3, 4], [8]], rule }, 2, 1)).toBeNull();
    expect(() => labelledScores({ ...base, rule }, 1, 1)).toThrow(RangeError);
    expect(() => labelledScores({ ...base, rule }, 2, 0)).toThrow(RangeError);
  });

  it('is reproducible from its seed', () => {
    const rule = { defaultRule: 'eer' as const, targetFar: 0.01 };
    const noisy = embeddings.map((e, i) => Float32Array.from(e, (x, j) => x + 0.01 * Math.sin(7 * i + j)));
    const withSeed = (seed: number) => labelledScores({ ...base, embeddings: noisy, seed, rule }, 2, 1);
    expect(withSeed(5)).toEqual(withSeed(5));
    expect(withSeed(5)).not.toEqual(withSeed(6));
  });
});
