import * as tf from '@tensorflow/tfjs';
import { prototypicalLoss } from '../../../src/training/losses/prototypical.loss';

const softplus = (x: number) => Math.log(1 + Math.exp(x));

describe('prototypical loss (leave-one-out prototypes)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  /*
   * 2-D, two classes, K = 2: class 0 = (1,0), (0,1); class 1 = (−1,0), (0,−1); s = 1.
   * Centroids c0 = (½,½), c1 = (−½,−½). For (1,0): own prototype without it = (0,1), d² = 2;
   * d²((1,0), c1) = 1.5² + 0.5² = 2.5. logits [−2, −2.5] → ℓ = log(1 + e^(−0.5)).
   * The other three points are the same by symmetry; all correctly classified.
   */
  it('matches the hand-derived symmetric case', () => {
    const emb = tf.tensor2d([
      [1, 0],
      [0, 1],
      [-1, 0],
      [0, -1],
    ]);
    const r = prototypicalLoss(emb, [0, 0, 1, 1], { scale: 1 });
    expect(r.loss.dataSync()[0]).toBeCloseTo(softplus(-0.5), 5);
    expect(r.accuracy.dataSync()[0]).toBe(1);
    const r2 = prototypicalLoss(emb, [0, 0, 1, 1], { scale: 2 });
    expect(r2.loss.dataSync()[0]).toBeCloseTo(softplus(-1), 5);
    tf.dispose([emb, r.loss, r.accuracy, r2.loss, r2.accuracy]);
  });

  /*
   * 1-D points x = [0, 2 | 1.5, 4], labels [0,0,1,1], s = 1: c0 = 1, c1 = 2.75.
   *  x=0:   own (without it) = 2 → d² 4;      d²(c1) = 7.5625 → ℓ = softplus(4 − 7.5625), correct
   *  x=2:   own = 0 → d² 4;                   d²(c1) = 0.5625 → ℓ = 4 + log(e^−4 + e^−0.5625), wrong
   *  x=1.5: own = 4 → d² 6.25;                d²(c0) = 0.25   → ℓ = 6.25 + log(e^−0.25 + e^−6.25), wrong
   *  x=4:   own = 1.5 → d² 6.25;              d²(c0) = 9      → ℓ = softplus(6.25 − 9), correct
   */
  it('matches the hand-derived asymmetric case, including misclassified points', () => {
    const emb = tf.tensor2d([[0], [2], [1.5], [4]]);
    const r = prototypicalLoss(emb, [0, 0, 1, 1], { scale: 1 });
    const expected =
      (softplus(4 - 7.5625) +
        4 +
        Math.log(Math.exp(-4) + Math.exp(-0.5625)) +
        6.25 +
        Math.log(Math.exp(-0.25) + Math.exp(-6.25)) +
        softplus(6.25 - 9)) /
      4;
    expect(r.loss.dataSync()[0]).toBeCloseTo(expected, 4);
    expect(r.accuracy.dataSync()[0]).toBeCloseTo(0.5, 6);
    tf.dispose([emb, r.loss, r.accuracy]);
  });

  it('does not depend on the order of the batch rows', () => {
    const emb = tf.tensor2d([[4], [0], [1.5], [2]]);
    const r = prototypicalLoss(emb, [1, 0, 1, 0], { scale: 1 });
    const expected =
      (softplus(4 - 7.5625) +
        4 +
        Math.log(Math.exp(-4) + Math.exp(-0.5625)) +
        6.25 +
        Math.log(Math.exp(-0.25) + Math.exp(-6.25)) +
        softplus(6.25 - 9)) /
      4;
    expect(r.loss.dataSync()[0]).toBeCloseTo(expected, 4);
    tf.dispose([emb, r.loss, r.accuracy]);
  });

  it('has finite gradients, pulls a point toward its own prototype, and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const emb = tf.tensor2d([[0], [2], [1.5], [4]]);
    const g = tf.grad((e: tf.Tensor) => {
      const r = prototypicalLoss(e as tf.Tensor2D, [0, 0, 1, 1], { scale: 1 });
      r.accuracy.dispose();
      return r.loss;
    })(emb);
    const gv = Array.from(g.dataSync());
    expect(gv.every(Number.isFinite)).toBe(true);
    // x=2 (class 0) sits closer to class 1's prototype: gradient descent must move it left (positive gradient).
    expect(gv[1]).toBeGreaterThan(0);
    g.dispose();
    emb.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects classes with unequal or single counts', () => {
    const emb = tf.tensor2d([[0], [1], [2]]);
    expect(() => prototypicalLoss(emb, [0, 0, 1], { scale: 1 })).toThrow(RangeError);
    expect(() => prototypicalLoss(emb, [0, 1, 2], { scale: 1 })).toThrow(RangeError);
    emb.dispose();
  });
});
