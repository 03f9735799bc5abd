import * as tf from '@tensorflow/tfjs';
import { meanGradients, pairLosses } from '../../src/bench/seed.bench';
import { buildSeedNet } from '../../src/bench/seed-net';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

test('micro-batched gradients equal the full batch gradient, without leaking tensors', () => {
  // 12×12 input: conv → 10, pool → 5, conv → 3, pool → 1: the seed layers at toy size.
  const model = buildSeedNet(12, 12);
  const a = tf.randomNormal([4, 12, 12, 1], 0, 1, 'float32', 3);
  const b = tf.randomNormal([4, 12, 12, 1], 0, 1, 'float32', 4);
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
  const model = buildSeedNet(12, 12);
  const a = tf.zeros([3, 12, 12, 1]);
  expect(() => pairLosses(model, a, a, [true, false, true], 2)).toThrow(RangeError);
  a.dispose();
  model.dispose();
});
