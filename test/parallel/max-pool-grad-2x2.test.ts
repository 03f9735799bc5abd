import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';

/**
 * The 2×2/stride-2 MaxPoolGrad path on wasm against a hand-computed window
 * (with a tie) and against the cpu backend on odd sizes (uncovered last
 * row/column) and on other pool shapes, which take the general loop.
 */
function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Quantised values so ties occur.
    out[i] = Math.round((s / 2 ** 31 - 1) * 4) / 4;
  }
  return out;
}

function poolGrad(
  xv: Float32Array,
  shape: [number, number, number, number],
  size: number,
  stride: number,
  pad: 'valid' | 'same',
): { dx: number[]; n: number } {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, shape);
    // loss = Σ y·c with distinct c per output, so dy is not uniform.
    const f = (t: tf.Tensor4D) => {
      const y = tf.maxPool(t, size, stride, pad);
      return tf.sum(tf.mul(y, tf.add(tf.range(0, y.size).reshape(y.shape), 1)));
    };
    const dx = tf.grad(f as (t: tf.Tensor) => tf.Tensor)(x);
    return { dx: Array.from(dx.dataSync()), n: dx.size };
  });
}

beforeAll(async () => {
  await initBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('MaxPoolGrad 2×2 stride 2 on wasm', () => {
  it('routes each window gradient to its first maximum (hand-computed)', async () => {
    await tf.setBackend('wasm');
    // One 2×2 window [[1, 3], [3, 0]] (tie between positions 1 and 2): the gradient (1) goes to position 1.
    const before = tf.memory().numTensors;
    const { dx } = poolGrad(new Float32Array([1, 3, 3, 0]), [1, 2, 2, 1], 2, 2, 'valid');
    expect(dx).toEqual([0, 1, 0, 0]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    { shape: [2, 6, 8, 3] as [number, number, number, number], size: 2, stride: 2, pad: 'valid' as const },
    { shape: [1, 7, 5, 4] as [number, number, number, number], size: 2, stride: 2, pad: 'valid' as const },
    { shape: [1, 7, 7, 2] as [number, number, number, number], size: 3, stride: 2, pad: 'same' as const },
    { shape: [2, 5, 5, 2] as [number, number, number, number], size: 2, stride: 1, pad: 'valid' as const },
  ])('matches cpu for $shape pool $size stride $stride $pad', async ({ shape, size, stride, pad }) => {
    const xv = rand(
      shape.reduce((a, b) => a * b),
      17,
    );
    await tf.setBackend('cpu');
    const ref = poolGrad(xv, shape, size, stride, pad);
    await tf.setBackend('wasm');
    const got = poolGrad(xv, shape, size, stride, pad);
    expect(got.n).toBe(ref.n);
    expect(got.dx).toEqual(ref.dx);
  });
});
