import type { ModelCard } from '../../src/embedding/model-card';
import { calibratedOnHeldOut } from '../../src/services/retraining/training-job';
import { calibrateReferences } from '../../src/training/calibration/reference-calibration';
import type { ScoredPair } from '../../src/training/calibration/roc';

/**
 * A retrained model calibrated on the held-out identities keeps the serving card's verifyIdentity rule SPREAD
 * (thresholds.referenceShift, metric/spread-threshold.ts): its per-R thresholds are calibrated on d − β·s, the
 * same draws as without it. Data: 1-D embeddings, A at 0, 2, 2, 3 and B at 10, 10, 11, 13 (euclidean), so the
 * references' spread differs by draw; the 1:1 pairs are hand-made.
 */
const v = (x: number) => Float32Array.of(x);
const embeddings = [0, 2, 2, 3, 10, 10, 11, 13].map(v);
const held = {
  identities: ['A', 'B'],
  images: embeddings,
  groups: [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
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
  thresholds: { targetFar: 0.1, defaultRule: 'eer' },
  data: { identities: 4, validationIdentities: 0 },
} as unknown as ModelCard;

describe('calibration on held-out identities (retraining)', () => {
  it("keeps the serving card's referenceShift and calibrates R on the shifted score", () => {
    const shifted = calibratedOnHeldOut(card, scores, held, embeddings, 3, 0.5);
    expect(shifted.thresholds.referenceShift).toBe(0.5);
    const rule = { ...shifted.thresholds };
    expect(shifted.thresholds.references).toEqual(
      calibrateReferences({ embeddings, groups: held.groups, metric: 'euclidean', rule, seed: 3 }),
    );
    const plain = calibratedOnHeldOut(card, scores, held, embeddings, 3, undefined);
    expect(plain.thresholds.referenceShift).toBeUndefined();
    // The same draws, scores moved down by ½·s: only B's draw of 10 and 10 has s = 0, so the thresholds move.
    expect(plain.thresholds.references!.map((r) => r.threshold)).not.toEqual(shifted.thresholds.references!.map((r) => r.threshold));
    // 1:1 is the same calibration either way.
    expect(shifted.thresholds.default).toBe(plain.thresholds.default);
  });
});
