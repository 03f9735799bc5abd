import * as tf from '@tensorflow/tfjs';
import { pairwiseDistances, rowDistances, safeSqrt } from '../../../src/training/losses/distances';
import { cosineDistance, euclideanDistance } from '../../../src/metric/metric';

describe('tensor distances', () => {
  it('pairwise euclidean and cosine match hand-derived values (3-4-5 triangles, zero vector)', () => {
    const before = tf.memory().numTensors;
    const a = tf.tensor2d([
      [0, 0],
      [3, 4],
    ]);
    const b = tf.tensor2d([
      [3, 4],
      [0, 0],
      [6, 8],
    ]);
    const e = pairwiseDistances(a, b, 'euclidean');
    const c = pairwiseDistances(a, b, 'cosine');
    // |(0,0)−(3,4)| = 5, |(3,4)−(6,8)| = 5, |(0,0)−(6,8)| = 10.
    expectClose(e.arraySync() as number[][], [
      [5, 0, 10],
      [0, 5, 5],
    ]);
    // A zero vector is at cosine distance 1 from everything (metric.ts); parallel vectors at 0.
    expectClose(c.arraySync() as number[][], [
      [1, 1, 1],
      [0, 1, 0],
    ]);
    tf.dispose([a, b, e, c]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('row distances: orthogonal unit vectors are √2 apart and at cosine distance 1; opposite at 2', () => {
    const a = tf.tensor2d([
      [1, 0],
      [2, 0],
    ]);
    const b = tf.tensor2d([
      [0, 1],
      [-5, 0],
    ]);
    expectClose([Array.from(rowDistances(a, b, 'euclidean').dataSync())], [[Math.SQRT2, 7]]);
    expectClose([Array.from(rowDistances(a, b, 'cosine').dataSync())], [[1, 2]]);
  });

  it('agrees with src/metric/metric.ts on arbitrary vectors', () => {
    const rows = [
      [0.3, -1.2, 2.5, 0.01],
      [-0.7, 0.4, 0.0, 3.3],
      [1.1, 1.1, -2.2, 0.5],
    ];
    const t = tf.tensor2d(rows);
    const e = pairwiseDistances(t, t, 'euclidean').arraySync() as number[][];
    const c = pairwiseDistances(t, t, 'cosine').arraySync() as number[][];
    for (let i = 0; i < rows.length; i++) {
      for (let j = 0; j < rows.length; j++) {
        expect(e[i][j]).toBeCloseTo(euclideanDistance(rows[i], rows[j]), 4);
        expect(c[i][j]).toBeCloseTo(cosineDistance(rows[i], rows[j]), 5);
      }
    }
    t.dispose();
  });

  it('the square root has a finite (zero) gradient at 0, so identical rows do not produce NaN', () => {
    const x = tf.tensor2d([
      [1, 2],
      [1, 2],
    ]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(pairwiseDistances(v as tf.Tensor2D, v as tf.Tensor2D, 'euclidean')))(x);
    const values = Array.from(g.dataSync());
    expect(values.every(Number.isFinite)).toBe(true);
    // Two identical rows: every distance is 0 and so is every gradient.
    expect(values).toEqual([0, 0, 0, 0]);
    const s = tf.grad((v: tf.Tensor) => tf.sum(safeSqrt(v)))(tf.tensor1d([0, 4]));
    // d√x/dx = 1/(2√x) = 0.25 at 4; defined as 0 at 0.
    expectClose([Array.from(s.dataSync())], [[0, 0.25]]);
  });
});

function expectClose(actual: number[][], expected: number[][], digits = 5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], digits)));
}
