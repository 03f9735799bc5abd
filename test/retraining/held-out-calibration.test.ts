import type { ModelCard } from '../../src/embedding/model-card';
import { calibratedOnHeldOut } from '../../src/services/retraining/training-job';
import type { ScoredPair } from '../../src/training/calibration/roc';

/**
 * A retrained model calibrated on the held-out identities keeps the serving card's verifyIdentity rule SPREAD
 * (thresholds.referenceShift β, metric/spread-threshold.ts): its per-R thresholds are calibrated on d − β·s.
 *
 * Data chosen so that every seeded draw gives the same score, and so every expected value is hand-derived: two
 * identities of three 2-D embeddings each, the corners of an equilateral triangle of side 2 (B is A moved 100 to the
 * right). Only R = 2 can be drawn (R + 1 images). Any two references of an identity are one side: their centroid is
 * that side's midpoint, the question is the opposite corner at the triangle's height √3, and the references'
 * leave-one-out spread is s = 2 (each reference's distance to the other). So every genuine score is √3 − 2β; every
 * other identity's image is about 100 away. At a target FAR of 0.1 % the threshold is the largest genuine score
 * (FAR 0): √3 − 1 with β = ½, √3 without the rule. The 1:1 pairs are hand-made: genuine at 1 and 2, impostors at
 * 8 and 9, so the 1:1 threshold is 2 either way.
 */
const h = Math.sqrt(3);
const corners = [
  [0, 0],
  [2, 0],
  [1, h],
];
const embeddings = [...corners, ...corners.map(([x, y]) => [x + 100, y])].map((p) => Float32Array.from(p));
const held = {
  identities: ['A', 'B'],
  images: embeddings,
  groups: [
    [0, 1, 2],
    [3, 4, 5],
  ],
};
const scores: ScoredPair[] = [
  { distance: 1, same: true },
  { distance: 2, same: true },
  { distance: 8, same: false },
  { distance: 9, same: false },
];
const card = {
  metric: 'euclidean',
  thresholds: { targetFar: 0.001, defaultRule: 'atTargetFar' },
  data: { identities: 4, validationIdentities: 0 },
} as unknown as ModelCard;

describe('calibration on held-out identities (retraining)', () => {
  it("keeps the serving card's referenceShift and calibrates R on the shifted score", () => {
    const shifted = calibratedOnHeldOut(card, scores, held, embeddings, 3, 0.5);
    const plain = calibratedOnHeldOut(card, scores, held, embeddings, 3, undefined);
    expect(shifted.thresholds.referenceShift).toBe(0.5);
    expect(plain.thresholds.referenceShift).toBeUndefined();
    for (const [c, threshold] of [
      [shifted, h - 1],
      [plain, h],
    ] as const) {
      expect(c.thresholds.references).toHaveLength(1);
      const r = c.thresholds.references![0];
      expect(r.references).toBe(2);
      expect(r.threshold).toBeCloseTo(threshold, 5);
      // 2 identities × 10 draws: one question each against the other identity's 3 images.
      expect([r.positivePairs, r.negativePairs, r.far, r.frr]).toEqual([20, 60, 0, 0]);
      // 1:1 is the hand-made pairs' calibration either way.
      expect(c.thresholds.default).toBe(2);
      expect(c.data).toMatchObject({ validationIdentities: 2, identities: 6 });
    }
  });
});
