import * as tf from '@tensorflow/tfjs';
import { lcg } from '../embedding/fixtures';
import { initBackend } from '../../src/embedding/backend';
import { FusedAdam, adamUpdate } from '../../src/training/parallel/fused-adam';

/**
 * FusedAdam must take the same steps as tfjs's AdamOptimizer (same defaults,
 * same bias correction), on wasm (the training backend) and cpu, and the
 * variables it writes must be seen by the kernels that cache packed weights.
 */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** A tiny regression model: loss = mean((x·W + b − y)²), minimised by `optimizer` for `steps` steps. */
function train(optimizer: tf.Optimizer, steps: number): { w: Float32Array; b: Float32Array; preds: Float32Array } {
  const w0 = tf.tensor2d(lcg(12, 1), [4, 3]);
  const b0 = tf.tensor1d(lcg(3, 2));
  const w = tf.variable(w0, true, `w${Math.random()}`);
  const b = tf.variable(b0, true, `b${Math.random()}`);
  tf.dispose([w0, b0]);
  const x = tf.tensor2d(lcg(20, 3), [5, 4]);
  const y = tf.tensor2d(lcg(15, 4), [5, 3]);
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), y))) as tf.Scalar, false, [w, b]);
    });
  }
  // After the steps, the matmul must use the updated W (wasm caches packed weights by tensor id).
  const preds = tf.tidy(() => tf.add(tf.matMul(x, w), b).dataSync() as Float32Array);
  const out = { w: w.dataSync() as Float32Array, b: b.dataSync() as Float32Array, preds };
  tf.dispose([w, b, x, y]);
  return out;
}

describe('FusedAdam', () => {
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each(['wasm', 'cpu'])('matches tf.train.adam over 5 steps on %s, without leaking tensors', async (backend) => {
    await initBackend(backend as 'wasm' | 'cpu');
    const before = tf.memory().numTensors;
    const ref = tf.train.adam(0.05);
    const expected = train(ref, 5);
    ref.dispose();
    const mid = tf.memory().numTensors;
    const fused = new FusedAdam(0.05);
    const actual = train(fused, 5);
    fused.dispose();
    expect([mid, tf.memory().numTensors]).toEqual([before, before]);
    // The weights moved (5 steps of ~lr each) and both optimizers moved them the same way.
    expect(maxAbsDiff(actual.w, lcg(12, 1))).toBeGreaterThan(0.1);
    expect(maxAbsDiff(actual.w, expected.w)).toBeLessThan(1e-5);
    expect(maxAbsDiff(actual.b, expected.b)).toBeLessThan(1e-5);
    expect(maxAbsDiff(actual.preds, expected.preds)).toBeLessThan(1e-4);
    // Predictions are computed from the new weights, not a stale packed copy.
    const recomputed = new Float32Array(15);
    const x = lcg(20, 3);
    for (let r = 0; r < 5; r++)
      for (let c = 0; c < 3; c++) {
        let s = actual.b[c];
        for (let k = 0; k < 4; k++) s += x[r * 4 + k] * actual.w[k * 3 + c];
        recomputed[r * 3 + c] = s;
      }
    expect(maxAbsDiff(actual.preds, recomputed)).toBeLessThan(1e-5);
  });

  it('hands whole-variable updates to a given whole-array step, with the bias-corrected hyperparameters', async () => {
    await initBackend('cpu');
    const calls: Array<{ size: number; hyper: number[] }> = [];
    // A stand-in for the native addon's adamUpdate: the JS loop, called through the hyper array it receives.
    const delegate = (out: Float32Array, w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, hyper: number[]) => {
      calls.push({ size: w.length, hyper: [...hyper] });
      const [beta1, beta2, a, sInv, epsilon] = hyper;
      // a = lr/(1−β₁ᵗ), sInv = 1/√(1−β₂ᵗ): undo them into adamUpdate's inputs at step t.
      const t = calls.length <= 2 ? 1 : 2;
      expect(a).toBeCloseTo(0.05 / (1 - Math.pow(0.9, t)), 10);
      expect(sInv).toBeCloseTo(1 / Math.sqrt(1 - Math.pow(0.999, t)), 10);
      adamUpdate({ learningRate: 0.05, beta1, beta2, epsilon }, t, out, w, g, m, v, 0, w.length);
    };
    const expected = train(new FusedAdam(0.05), 2);
    const actual = train(new FusedAdam(0.05, undefined, undefined, undefined, delegate), 2);
    // Two variables (W 4×3, b 3) per step, two steps; each update covered the whole variable.
    expect(calls.map((c) => c.size).sort()).toEqual([12, 12, 3, 3].sort());
    expect(calls[0].hyper.slice(0, 2)).toEqual([0.9, 0.999]);
    expect(maxAbsDiff(actual.w, expected.w)).toBeLessThan(1e-6);
    expect(maxAbsDiff(actual.b, expected.b)).toBeLessThan(1e-6);
  });

  it('takes the first step by hand: w − lr·sign(g) (m̂ = g, v̂ = g²)', () => {
    // At step 1 the bias-corrected moments are g and g², so the step is lr·g/(|g|+ε).
    const w = new Float32Array([1, -2, 0.5]);
    const g = new Float32Array([0.3, -4, 0]);
    const m = new Float32Array(3);
    const v = new Float32Array(3);
    const out = new Float32Array(3);
    adamUpdate({ learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }, 1, out, w, g, m, v, 0, 3);
    expect(out[0]).toBeCloseTo(0.9, 5);
    expect(out[1]).toBeCloseTo(-1.9, 5);
    expect(out[2]).toBe(0.5);
    expect(m[0]).toBeCloseTo(0.03, 7); // (1 − β₁)·g
    expect(v[1]).toBeCloseTo(0.016, 7); // (1 − β₂)·g²
  });
});
