import * as tf from '@tensorflow/tfjs';
import { lcg as rand } from '../embedding/fixtures';
import { initBackend } from '../../src/embedding/backend';
import { KCHUNK_MIN_K, KCHUNK_SIZE } from '../../src/embedding/kernels/batch-matmul-kchunk.kernel';

/**
 * MatMul and Dense (_FusedMatMul) with a reduction axis long enough to be
 * computed in K-chunks on wasm, against the cpu backend; a new B with the
 * same shape must not reuse the cached blocks of a disposed one.
 */
const M = 3;
const K = KCHUNK_MIN_K + KCHUNK_SIZE + 17; // a short last chunk
const N = 5;

async function on<T>(backend: string, f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return f();
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    d = Math.max(d, Math.abs(a[i] - b[i]));
  }
  return d / scale;
}

beforeAll(async () => {
  await initBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('K-chunked MatMul on wasm', () => {
  const av = rand(M * K, 1);
  const bv = rand(K * N, 2);
  const biasv = rand(N, 3);

  it('computes a hand-checkable case: ones · ones = K', async () => {
    const got = await on('wasm', () => tf.tidy(() => Array.from(tf.matMul(tf.ones([2, K]), tf.ones([K, 3])).dataSync())));
    expect(got).toEqual([K, K, K, K, K, K]);
  });

  it('matches cpu for plain MatMul and for Dense with bias and ReLU, without leaking tensors', async () => {
    const plain = () => tf.tidy(() => Array.from(tf.matMul(tf.tensor2d(av, [M, K]), tf.tensor2d(bv, [K, N])).dataSync()));
    const dense = () =>
      tf.tidy(() =>
        Array.from(
          tf.fused
            .matMul({ a: tf.tensor2d(av, [M, K]), b: tf.tensor2d(bv, [K, N]), bias: tf.tensor1d(biasv), activation: 'relu' })
            .dataSync(),
        ),
      );
    const refPlain = await on('cpu', plain);
    const refDense = await on('cpu', dense);
    const before = tf.memory().numTensors;
    const gotPlain = await on('wasm', plain);
    const gotDense = await on('wasm', dense);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxRelDiff(gotPlain, refPlain)).toBeLessThan(1e-5);
    expect(maxRelDiff(gotDense, refDense)).toBeLessThan(1e-5);
    expect(gotDense.some((v) => v === 0)).toBe(true); // the ReLU clipped something
  });

  it('uses the new B after the old one is disposed (no stale cached blocks)', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const first = (t: tf.Tensor) => {
      const v = t.dataSync()[0];
      t.dispose();
      return v;
    };
    const a = tf.ones([1, K]);
    const b1 = tf.ones([K, 1]);
    expect(first(tf.matMul(a, b1))).toBe(K);
    b1.dispose();
    const b2 = tf.fill([K, 1], 2);
    expect(first(tf.matMul(a, b2))).toBe(2 * K);
    const three = tf.fill([K, 1], 3);
    const v = tf.variable(three);
    expect(first(tf.matMul(a, v))).toBe(3 * K);
    const four = tf.fill([K, 1], 4);
    v.assign(four);
    expect(first(tf.matMul(a, v))).toBe(4 * K);
    tf.dispose([a, b2, v, three, four]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
