import { calibrateReferences, referenceScores } from '../../src/training/calibration/reference-calibration';

/**
 * verifyIdentity's calibration (issue 17) on 1-D embeddings whose answers do not depend on the draw:
 *   A: genuine 0, 0, 0   forgeries 1, 3      B: genuine 10, 10, 10   forgeries 12
 * Any R = 2 of a writer's identical genuine has the same centroid (0 or 10), so every positive is 0, A's
 * forgeries score 1 and 3, B's scores 2. With `draws` draws: 2 writers × draws positives (one question
 * left), 2·draws + 1·draws negatives.
 */
const v = (x: number) => Float32Array.of(x);
const embeddings = [0, 0, 0, 10, 10, 10, 1, 3, 12].map(v);
const groups = [
  [0, 1, 2],
  [3, 4, 5],
];
const forged = [[6, 7], [8]];
const base = { embeddings, groups, forged, metric: 'euclidean' as const, draws: 3 };

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe('reference calibration', () => {
  it('scores the questioned images against the centroid of R references, forgeries as negatives', () => {
    const scores = referenceScores({ ...base, rule: { defaultRule: 'eer', targetFar: 0.01 } }, 2)!;
    expect(sorted(scores.filter((s) => s.same).map((s) => s.distance))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(sorted(scores.filter((s) => !s.same).map((s) => s.distance))).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
  });

  it('leaves out an R that fewer than two identities can be drawn for', () => {
    expect(referenceScores({ ...base, rule: { defaultRule: 'eer', targetFar: 0.01 } }, 3)).toBeNull();
    // Only A has 4 images: one identity is not a population.
    const lopsided = {
      ...base,
      embeddings: [...embeddings, v(0)],
      groups: [
        [0, 1, 2, 9],
        [3, 4, 5],
      ],
    };
    expect(referenceScores({ ...lopsided, rule: { defaultRule: 'eer', targetFar: 0.01 } }, 3)).toBeNull();
  });

  it("thresholds each R by the card's rule and reports the validation rates there", () => {
    // atTargetFar 0.5: the largest threshold with FAR ≤ 0.5 is 1 (FAR 3/9; at 2 it would be 6/9).
    const refs = calibrateReferences({ ...base, counts: [3, 2], rule: { defaultRule: 'atTargetFar', targetFar: 0.5 } });
    expect(refs).toEqual([{ references: 2, threshold: 1, auc: 1, eer: 0, far: 3 / 9, frr: 0, positivePairs: 6, negativePairs: 9 }]);
  });

  it("without forgeries, scores other identities' images (at most negativesPerDraw per draw)", () => {
    const scores = referenceScores(
      { embeddings, groups, metric: 'euclidean', draws: 2, negativesPerDraw: 2, rule: { defaultRule: 'eer', targetFar: 0.01 } },
      2,
    )!;
    // A's centroid 0 against B's genuine (10), B's centroid 10 against A's (0): every negative is 10.
    expect(sorted(scores.filter((s) => !s.same).map((s) => s.distance))).toEqual(Array(2 * 2 * 2).fill(10));
    expect(scores.filter((s) => s.same)).toHaveLength(2 * 2);
  });

  it('is reproducible from its seed', () => {
    const spread = { ...base, embeddings: [0, 3, 6, 10, 11, 15, 1, 3, 12].map(v), rule: { defaultRule: 'eer' as const, targetFar: 0.01 } };
    expect(referenceScores({ ...spread, seed: 5 }, 2)).toEqual(referenceScores({ ...spread, seed: 5 }, 2));
    // 0, 3, 6: the question is one of the three, the centroid the mean of the other two: |0 − 4.5|, |3 − 3|, |6 − 1.5|.
    const positivesA = referenceScores({ ...spread, groups: [groups[0], groups[1]] }, 2)!
      .filter((s) => s.same)
      .slice(0, 3);
    for (const p of positivesA) expect([0, 4.5]).toContain(p.distance);
  });
});
