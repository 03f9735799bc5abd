import * as tf from '@tensorflow/tfjs';
import { lcg as rand } from './fixtures';
import { initBackend } from '../../src/embedding/backend';
import { simdKernels } from '../../src/embedding/kernels/simd-module';
import { simdKernelsIr } from '../../src/embedding/kernels/simd.ir';

/**
 * The wasm SIMD module (simd.ir.ts → simd.wasm.ts): its exports exist, and the
 * 2×2 max-pool gradient and leading-axes Sum that run on it (channel counts
 * that are multiples of 4) match the cpu backend, ties included.
 */
beforeAll(async () => {
  await initBackend('wasm');
});

async function onBackend<T>(name: string, f: () => T): Promise<T> {
  await tf.setBackend(name);
  try {
    return f();
  } finally {
    await tf.setBackend('wasm');
  }
}

describe('SIMD module', () => {
  it('is instantiated on the wasm backend with every function of its IR', () => {
    const simd = simdKernels(tf.backend());
    expect(simd).toBeDefined();
    for (const name of ['wino_in', 'wino_out', 'wino_in_t', 'wino_dy', 'mpg2x2_row', 'sum_rows']) {
      expect(simdKernelsIr()).toContain(`"wasm-export-name"="${name}"`);
    }
    expect(typeof simd!.mpg2x2Row).toBe('function');
    expect(typeof simd!.sumRows).toBe('function');
  });

  it('routes a 2×2 window gradient to the first maximum (hand case)', () => {
    // One window per channel group: values [1, 3; 3, 2] → the first 3 (top right) gets dy.
    const before = tf.memory().numTensors;
    const x = tf.tensor4d([1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2], [1, 2, 2, 4]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), tf.tensor1d([1, 2, 3, 4]))))(x);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
    tf.dispose([x, g]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    { x: [2, 8, 6, 8] },
    { x: [3, 9, 7, 16] }, // odd sizes: the last row and column get no gradient
  ])('max-pool gradient matches cpu for x=$x (many ties)', async ({ x }) => {
    const xv = Float32Array.from(
      rand(
        x.reduce((a, b) => a * b),
        3,
      ),
      (v) => Math.floor((v + 1) * 2),
    );
    const grad = () =>
      tf.tidy(() => {
        const t = tf.tensor4d(xv, x as [number, number, number, number]);
        const f = (a: tf.Tensor) => {
          const y = tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid');
          return tf.sum(tf.mul(y, tf.tensor(rand(y.size, 9), y.shape)));
        };
        return Array.from(tf.grad(f)(t).dataSync());
      });
    const expected = await onBackend('cpu', grad);
    const before = tf.memory().numTensors;
    const got = grad();
    expect(tf.memory().numTensors).toBe(before);
    expect(got).toEqual(expected);
  });

  it('sums over leading axes like cpu (hand case and random)', async () => {
    const before = tf.memory().numTensors;
    // 3 rows of 4: column sums 1+5+9, 2+6+10, 3+7+11, 4+8+12.
    const hand = tf.tidy(() => Array.from(tf.sum(tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 4]), 0).dataSync()));
    expect(hand).toEqual([15, 18, 21, 24]);
    const shape: [number, number, number, number] = [4, 7, 5, 64];
    const xv = rand(
      shape.reduce((a, b) => a * b),
      13,
    );
    const sums = () => tf.tidy(() => Array.from(tf.sum(tf.tensor4d(xv, shape), [0, 1, 2]).dataSync()));
    const expected = await onBackend('cpu', sums);
    const got = sums();
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(expected[i], 4);
    expect(tf.memory().numTensors).toBe(before);
  });
});
