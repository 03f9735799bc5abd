import * as tf from '@tensorflow/tfjs';
import { meanGradients, pairLosses, profileStep } from '../../src/bench/seed.bench';

/** A toy shared encoder: the accumulation does not depend on the architecture, only on the loss being a per-pair mean. */
function toyEncoder(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [6, 6, 1],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 5, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

test('micro-batched gradients equal the full batch gradient, without leaking tensors', () => {
  const model = toyEncoder();
  const a = tf.randomNormal([4, 6, 6, 1], 0, 1, 'float32', 3);
  const b = tf.randomNormal([4, 6, 6, 1], 0, 1, 'float32', 4);
  const same = [true, false, true, false];
  const before = tf.memory().numTensors;

  const full = pairLosses(model, a, b, same, 4);
  const halves = pairLosses(model, a, b, same, 2);
  expect(full.fns).toHaveLength(1);
  expect(halves.fns).toHaveLength(2);
  const gFull = meanGradients(full);
  const gHalves = meanGradients(halves);
  expect(Object.keys(gHalves).sort()).toEqual(Object.keys(gFull).sort());
  expect(Object.keys(gFull)).toHaveLength(model.trainableWeights.length);
  for (const name of Object.keys(gFull)) {
    const x = gFull[name].dataSync();
    const y = gHalves[name].dataSync();
    const scale = Math.max(1e-6, ...Array.from(x, Math.abs));
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(1e-4 * scale);
  }
  tf.dispose([gFull, gHalves, full.inputs, halves.inputs]);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([a, b]);
  model.dispose();
});

test('a batch that is not a multiple of the micro-batch is refused', () => {
  const model = toyEncoder();
  const a = tf.zeros([3, 6, 6, 1]);
  expect(() => pairLosses(model, a, a, [true, false, true], 2)).toThrow(RangeError);
  a.dispose();
  model.dispose();
});

test('profileStep attributes kernel time to kernels, largest first, and skips op wrappers', async () => {
  const a = tf.randomNormal([64, 64], 0, 1, 'float32', 5);
  const b = tf.randomNormal([64, 64], 0, 1, 'float32', 6);
  const p = await profileStep(() => {
    const y = tf.tidy(() => tf.relu(tf.matMul(a, b)));
    y.dataSync();
    y.dispose();
  });
  const names = p.kernels.map((k) => k.kernel);
  expect(names).toEqual(expect.arrayContaining(['BatchMatMul', 'Relu']));
  expect(names.some((n) => n.endsWith('__op'))).toBe(false);
  const shares = p.kernels.map((k) => k.share);
  expect(shares).toEqual([...shares].sort((x, y) => y - x));
  expect(shares.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(1 + 1e-9);
  expect(p.wallMs).toBeGreaterThanOrEqual(0);
  tf.dispose([a, b]);
});
