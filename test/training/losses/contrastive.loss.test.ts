import * as tf from '@tensorflow/tfjs';
import { contrastiveLoss, contrastiveLossFromEmbeddings, contrastivePerPair } from '../../../src/training/losses/contrastive.loss';

describe('contrastive loss (Hadsell et al. 2006; y = 0 for similar pairs, exposed as same = true)', () => {
  // Margin 1. Same pairs cost ½D²; different pairs cost ½·max(0, 1 − D)².
  //   D=0.5 same → 0.125;  D=2 same → 2;  D=0.3 different → ½·0.49 = 0.245;  D=1.5 different → 0.
  const d = [0.5, 2, 0.3, 1.5];
  const same = [true, true, false, false];

  it('per-pair values and the mean', () => {
    const before = tf.memory().numTensors;
    const dt = tf.tensor1d(d);
    const per = contrastivePerPair(dt, same, 1);
    expect(Array.from(per.dataSync()).map((v) => +v.toFixed(6))).toEqual([0.125, 2, 0.245, 0]);
    const loss = contrastiveLoss(dt, same, { margin: 1 });
    expect(loss.dataSync()[0]).toBeCloseTo(2.37 / 4, 6);
    tf.dispose([dt, per, loss]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('weights give a weighted mean: weight 3 on the close different pair', () => {
    const loss = contrastiveLoss(tf.tensor1d(d), same, { margin: 1, weights: [1, 1, 3, 1] });
    // (0.125 + 2 + 3·0.245 + 0) / 6
    expect(loss.dataSync()[0]).toBeCloseTo(2.86 / 6, 6);
  });

  it('a same-identity pair at distance 0 costs nothing; a different pair at distance 0 costs ½m²', () => {
    const per = contrastivePerPair(tf.tensor1d([0, 0]), [true, false], 2);
    expect(Array.from(per.dataSync())).toEqual([0, 2]);
  });

  it('accepts a 0/1 tensor mask with 1 = same identity', () => {
    const loss = contrastiveLoss(tf.tensor1d(d), tf.tensor1d([1, 1, 0, 0]), { margin: 1 });
    expect(loss.dataSync()[0]).toBeCloseTo(2.37 / 4, 6);
  });

  it('from embeddings: euclidean and cosine distances of 2-D points', () => {
    const a = tf.tensor2d([
      [0, 0],
      [1, 0],
    ]);
    const b = tf.tensor2d([
      [3, 4],
      [0, 1],
    ]);
    // euclidean D = 5 (same) and √2 (different, beyond margin 1): ½·25 / 2 = 6.25
    expect(contrastiveLossFromEmbeddings(a, b, [true, false], { margin: 1, metric: 'euclidean' }).dataSync()[0]).toBeCloseTo(6.25, 5);
    // cosine: zero vector → D = 1 (same): ½; orthogonal → D = 1 (different, margin 1.5): ½·0.25 → mean (0.5 + 0.125)/2
    expect(contrastiveLossFromEmbeddings(a, b, [true, false], { margin: 1.5, metric: 'cosine' }).dataSync()[0]).toBeCloseTo(0.3125, 5);
  });
});
