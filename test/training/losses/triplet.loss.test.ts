import * as tf from '@tensorflow/tfjs';
import { tripletLoss, type Mining } from '../../../src/training/losses/triplet.loss';

/*
 * Euclidean case: 1-D points x = [0, 2, 1, 4], labels [0, 0, 1, 1], margin 1.
 * Distances: d01=2 d02=1 d03=4 d12=1 d13=2 d23=3.
 * All 8 valid triplets (a,p,n) → d(a,p) − d(a,n) + 1:
 *   (0,1,2)=2  (0,1,3)=−1→0  (1,0,2)=2  (1,0,3)=1  (2,3,0)=3  (2,3,1)=3  (3,2,0)=0  (3,2,1)=2
 *   sum 13, 6 active.  none = 13/8;  batch-all = 13/6, active 6/8.
 * batch-hard per anchor (max pos, min neg): 2−1+1=2, 2−1+1=2, 3−1+1=3, 3−2+1=2 → 9/4.
 * semi-hard per (a,p): (0,1): nearest neg farther than 2 is 4 → 0; (1,0): no neg farther than 2 →
 *   farthest neg 2 → 1; (2,3): negs 1,1 → fallback 1 → 3; (3,2): farther neg 4 → 0.  Mean 4/4 = 1, active 2/4.
 */
const euclid = { emb: [[0], [2], [1], [4]], margin: 1 };
/*
 * Cosine case: v0=(2,0) 0°, v1=(0,3) 90°, v2=(½,√3/2) 60°, v3=(−1,0) 180°; labels [0,0,1,1]; margin 0.4.
 * d = 1 − cos: d01=1 d02=½ d03=2 d12=1−√3/2≈0.133975 d13=1 d23=1.5.
 * Triplets: (0,1,2)=0.9 (0,1,3)=0 (1,0,2)=1.266025 (1,0,3)=0.4 (2,3,0)=1.4 (2,3,1)=1.766025
 *   (3,2,0)=−0.1→0 (3,2,1)=0.9; sum 6.63205, 6 active of 8.
 * batch-hard: 0.9, 1.266025, 1.766025, 0.9 → 4.83205/4.
 * semi-hard: (0,1) farther neg 2 → 0; (1,0) none farther than 1 → farthest 1 → 0.4;
 *   (2,3) none farther than 1.5 → farthest ½ (not the nearest 0.134) → 1.4; (3,2) farther 2 → 0.  Mean 1.8/4.
 */
const cosine = {
  emb: [
    [2, 0],
    [0, 3],
    [0.5, Math.sqrt(3) / 2],
    [-1, 0],
  ],
  margin: 0.4,
};
const labels = [0, 0, 1, 1];

const cases: Array<[string, 'euclidean' | 'cosine', Mining, number, number]> = [
  ['euclidean', 'euclidean', 'none', 13 / 8, 6 / 8],
  ['euclidean', 'euclidean', 'batch-all', 13 / 6, 6 / 8],
  ['euclidean', 'euclidean', 'batch-hard', 9 / 4, 1],
  ['euclidean', 'euclidean', 'semi-hard', 1, 0.5],
  ['cosine', 'cosine', 'none', 6.63205 / 8, 6 / 8],
  ['cosine', 'cosine', 'batch-all', 6.63205 / 6, 6 / 8],
  ['cosine', 'cosine', 'batch-hard', 4.83205 / 4, 1],
  ['cosine', 'cosine', 'semi-hard', 1.8 / 4, 0.5],
];

describe('triplet loss with online mining', () => {
  it.each(cases)('%s / %s / %s', (_name, metric, mining, expectedLoss, expectedActive) => {
    const data = metric === 'euclidean' ? euclid : cosine;
    const before = tf.memory().numTensors;
    const emb = tf.tensor2d(data.emb);
    const { loss, activeFraction } = tripletLoss(emb, labels, { margin: data.margin, metric, mining });
    expect(loss.dataSync()[0]).toBeCloseTo(expectedLoss, 4);
    expect(activeFraction.dataSync()[0]).toBeCloseTo(expectedActive, 6);
    tf.dispose([emb, loss, activeFraction]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gradients are finite for every mode even with duplicated embeddings', () => {
    const x = tf.tensor2d([
      [1, 1],
      [1, 1],
      [1, 1],
      [0, 2],
    ]);
    for (const mining of ['none', 'batch-all', 'batch-hard', 'semi-hard'] as Mining[]) {
      for (const metric of ['euclidean', 'cosine'] as const) {
        const g = tf.grad((v: tf.Tensor) => {
          const r = tripletLoss(v as tf.Tensor2D, [0, 0, 1, 1], { margin: 0.5, metric, mining });
          r.activeFraction.dispose();
          return r.loss;
        })(x);
        expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
        g.dispose();
      }
    }
  });

  it('a batch with one identity has no negatives: loss 0, nothing active', () => {
    for (const mining of ['none', 'batch-all', 'batch-hard', 'semi-hard'] as Mining[]) {
      const { loss, activeFraction } = tripletLoss(tf.tensor2d([[0], [3]]), [5, 5], { margin: 1, metric: 'euclidean', mining });
      expect(loss.dataSync()[0]).toBe(0);
      expect(activeFraction.dataSync()[0]).toBe(0);
    }
  });
});
