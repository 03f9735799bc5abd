import * as tf from '@tensorflow/tfjs';
import {
  baselineWarning,
  beatenByPixels,
  bestBaseline,
  pixelBaseline,
  pixelPairScores,
} from '../../../src/training/evaluate/pixel-baseline';
import type { PairIndex } from '../../../src/training/evaluate/embed';

/**
 * Issue 17: the pixel baseline on images small enough to score by hand. Four 1×2 "images"
 * (two values each), two identities whose second photo is three times as bright:
 *   identity 0: a0 = [1, 0], a1 = [3, 0]      identity 1: b0 = [0, 1], b1 = [0, 3]
 * Same pairs:      d(a0,a1) = 2, d(b0,b1) = 2;           cosine 0, 0
 * Different pairs: d(a0,b0) = √2, d(a0,b1) = √10, d(a1,b0) = √10, d(a1,b1) = √18;  cosine 1 each
 */
const pixels = [new Float32Array([1, 0]), new Float32Array([3, 0]), new Float32Array([0, 1]), new Float32Array([0, 3])];
const pairs: PairIndex[] = [
  { a: 0, b: 1, same: true },
  { a: 2, b: 3, same: true },
  { a: 0, b: 2, same: false },
  { a: 0, b: 3, same: false },
  { a: 1, b: 2, same: false },
  { a: 1, b: 3, same: false },
];

describe('pixel baseline', () => {
  it('scores every pair by the Euclidean and cosine distance of the raw inputs', () => {
    const { euclidean, cosine } = pixelPairScores(pixels, pairs);
    expect(euclidean.map((s) => s.distance)).toEqual(
      [2, 2, Math.SQRT2, Math.sqrt(10), Math.sqrt(10), Math.sqrt(18)].map((d) => expect.closeTo(d, 6)),
    );
    expect(cosine.map((s) => s.distance)).toEqual([0, 0, 1, 1, 1, 1].map((d) => expect.closeTo(d, 6)));
    expect(euclidean.map((s) => s.same)).toEqual(pairs.map((p) => p.same));
  });

  it('gives the hand-derived AUC and EER of each distance', () => {
    const b = pixelBaseline(pixels, pairs);
    // Euclidean: each same pair (d = 2) is closer than 3 of the 4 different pairs (√2 is closer): AUC = 6/8.
    // EER: the ROC goes (0,0) → (FAR ¼, TAR 0) at √2 → (¼, 1) at 2; FAR = FRR is crossed on that vertical step at ¼.
    expect(b.pixelEuclidean.auc).toBeCloseTo(0.75, 12);
    expect(b.pixelEuclidean.eer).toBeCloseTo(0.25, 12);
    // Cosine ignores the brightness: same pairs 0, different 1, perfectly apart.
    expect(b.pixelCosine.auc).toBe(1);
    expect(b.pixelCosine.eer).toBe(0);
    expect(b.pixelCosine.roc![0]).toMatchObject({ far: 0, tar: 0 });
    expect(b.pixelCosine.roc![b.pixelCosine.roc!.length - 1]).toMatchObject({ far: 1, tar: 1 });
    expect(bestBaseline(b)).toEqual({ name: 'pixelCosine', metric: 'cosine', auc: 1, eer: 0 });
    expect(pixelBaseline(pixels, pairs, { rocPoints: 0 }).pixelEuclidean.roc).toBeUndefined();
  });

  it('treats an all-zero image as orthogonal to everything under cosine (metric.ts)', () => {
    const withBlank = [...pixels, new Float32Array([0, 0])];
    const { cosine } = pixelPairScores(withBlank, [{ a: 4, b: 0, same: false }]);
    expect(cosine[0].distance).toBe(1);
  });

  it('makes no tensors (nothing to leak)', () => {
    const before = tf.memory().numTensors;
    pixelBaseline(pixels, pairs);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('warns, with the numbers, when the model does not beat the best pixel distance', () => {
    const b = pixelBaseline(pixels, pairs);
    const w = baselineWarning({ auc: 0.9, eer: 0.125 }, b, 'validation');
    expect(w).toBe(
      'the model does not beat raw pixels on validation: model AUC 0.9000 (EER 12.50%) vs pixel cosine AUC 1.0000 (EER 0.00%) on the same pairs; ' +
        'comparing the preprocessed images directly would serve better: train longer, with more identities or stronger augmentation, or try --recipe auto',
    );
    // A tie is not a win…
    const below = { ...b, pixelCosine: { auc: 0.9, eer: 0.1 } };
    expect(baselineWarning({ auc: 0.9, eer: 0.05 }, below, 'validation')).toMatch(/does not beat raw pixels/);
    // …except a tie at AUC 1, where the pairs cannot rank the two.
    expect(beatenByPixels({ auc: 1 }, b)).toBe(false);
    expect(baselineWarning({ auc: 1, eer: 0 }, b, 'validation')).toBeUndefined();
    expect(beatenByPixels({ auc: 0.999 }, b)).toBe(true);
    // Against the Euclidean baseline alone (cosine as weak as chance) a model at 0.8 wins.
    const euclideanOnly = { ...b, pixelCosine: { auc: 0.5, eer: 0.5 } };
    expect(baselineWarning({ auc: 0.8, eer: 0.2 }, euclideanOnly, 'validation')).toBeUndefined();
    expect(baselineWarning({ auc: 0.7, eer: 0.3 }, euclideanOnly, 'these pairs')).toMatch(
      /on these pairs: model AUC 0\.7000 \(EER 30\.00%\) vs pixel Euclidean AUC 0\.7500 \(EER 25\.00%\)/,
    );
  });
});
