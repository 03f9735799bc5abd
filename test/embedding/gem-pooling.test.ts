import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { buildEncoder } from '../../src/embedding/backbones';
import { trunkArchitectureDifference, transferTrunk } from '../../src/embedding/backbones/trunk-transfer';
import { GemPooling2D } from '../../src/embedding/layers';
import { DomainError, ErrorCode } from '../../src/errors';
import { fastArch, lcg } from './fixtures';

/** Generalized-mean pooling (rule GEM): y_c = (mean max(x, ε)^p)^(1/p) over the spatial axes. */
beforeAll(async () => {
  await initBackend('wasm');
});

const gemArch = (p?: number) => ({
  ...fastArch([4, 8], 6),
  params: { widths: [4, 8], pooling: 'gem', ...(p === undefined ? {} : { gemP: p }) },
});

test('hand-derived values: cubes averaged then the cube root; p = 1 is the average; two channels apart', () => {
  // One image, a 2×2 map, two channels: channel 0 holds 1, 2, 0, 3 and channel 1 holds 4, 4, 4, 4.
  const x = tf.tensor4d([1, 4, 2, 4, 0, 4, 3, 4], [1, 2, 2, 2]);
  const before = tf.memory().numTensors;
  const y3 = new GemPooling2D({ p: 3 }).apply(x) as tf.Tensor;
  const y1 = new GemPooling2D({ p: 1 }).apply(x) as tf.Tensor;
  expect(y3.shape).toEqual([1, 2]);
  const [a3, b3] = Array.from(y3.dataSync());
  const [a1, b1] = Array.from(y1.dataSync());
  // (1 + 8 + ε³ + 27) / 4 = 9 → 9^(1/3) = 2.080084; a constant channel is itself whatever p is.
  expect(a3).toBeCloseTo(2.080084, 5);
  expect(b3).toBeCloseTo(4, 5);
  // p = 1: (1 + 2 + ε + 3) / 4 = 1.5 (ε = 1e-6 moves it by 2.5e-7).
  expect(a1).toBeCloseTo(1.5, 5);
  expect(b1).toBeCloseTo(4, 5);
  // The generalized mean lies between the average and the maximum, and grows with p.
  expect(a3).toBeGreaterThan(a1);
  expect(a3).toBeLessThan(3);
  tf.dispose([y3, y1]);
  expect(tf.memory().numTensors).toBe(before);
  x.dispose();
});

test('the gradient is finite where ReLU left zeros, and leaves no tensor behind', () => {
  const layer = new GemPooling2D({ p: 3 });
  const x = tf.tensor4d([0, 0, 2, 0], [1, 2, 2, 1]);
  const before = tf.memory().numTensors;
  const g = tf.grad((t: tf.Tensor) => tf.sum(layer.apply(t) as tf.Tensor))(x);
  const values = Array.from(g.dataSync());
  expect(values.every(Number.isFinite)).toBe(true);
  // d/dx_i (mean x³)^(1/3) = x_i² / (4 · y²) with y³ = 8/4 = 2: at x = 2 that is 4 / (4 · 2^(2/3)) = 0.629961.
  expect(values[2]).toBeCloseTo(0.629961, 4);
  // At the clamped zeros the slope is 0 (max(x, ε) has no slope below ε).
  expect(values[0]).toBe(0);
  g.dispose();
  expect(tf.memory().numTensors).toBe(before);
  x.dispose();
});

test('a fast encoder with pooling gem round-trips through its JSON with the same answers', async () => {
  const m = buildEncoder(gemArch(), { height: 12, width: 16, channels: 1 }, 7);
  expect(m.layers.some((l) => l.getClassName() === 'GemPooling2D')).toBe(true);
  expect(m.layers.some((l) => l.getClassName() === 'GlobalAveragePooling2D')).toBe(false);
  const saved: tf.io.ModelArtifacts[] = [];
  await m.save(
    tf.io.withSaveHandler(async (a) => (saved.push(a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })),
  );
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved[0]));
  const x = tf.tensor4d(lcg(2 * 12 * 16, 3), [2, 12, 16, 1]);
  const a = m.predict(x) as tf.Tensor;
  const b = loaded.predict(x) as tf.Tensor;
  expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
  const gem = loaded.layers.find((l) => l.getClassName() === 'GemPooling2D');
  expect(gem?.getConfig()).toMatchObject({ p: 3, epsilon: 1e-6 });
  tf.dispose([x, a, b]);
  m.dispose();
  loaded.dispose();
});

test('pooling holds no weight: an average-pooled trunk goes into a gem encoder, and the trunks compare equal', () => {
  const avg = fastArch([4, 8], 6);
  expect(trunkArchitectureDifference(avg, gemArch())).toBeUndefined();
  expect(trunkArchitectureDifference(avg, gemArch(4))).toBeUndefined();
  const source = buildEncoder(avg, { height: 12, width: 12, channels: 1 }, 1);
  const target = buildEncoder(gemArch(), { height: 16, width: 24, channels: 1 }, 2);
  const copied = transferTrunk(target, source);
  expect(copied.layers).toHaveLength(2);
  expect(target.getWeights().length).toBe(source.getWeights().length);
  source.dispose();
  target.dispose();
});

test('an unknown pooling, an exponent below 1 and an exponent without gem are BAD_USER_INPUT', () => {
  const cases = [
    { widths: [4], pooling: 'max' },
    { widths: [4], pooling: 'gem', gemP: 0.5 },
    { widths: [4], pooling: 'gem', gemP: 'three' },
    { widths: [4], gemP: 3 },
    { widths: [4], pooling: 'gem', gemP: 7 },
  ];
  for (const params of cases) {
    let err: unknown;
    try {
      buildEncoder({ ...fastArch([4], 6), params }, { height: 8, width: 8, channels: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe(ErrorCode.BAD_USER_INPUT);
  }
  // Another backbone would ignore them: refused rather than recorded on a card that does not do it.
  let other: unknown;
  try {
    buildEncoder(
      { ...fastArch([4], 6), backbone: 'resnet-small', params: { widths: [4], pooling: 'gem' } },
      { height: 8, width: 8, channels: 1 },
    );
  } catch (e) {
    other = e;
  }
  expect((other as DomainError).code).toBe(ErrorCode.BAD_USER_INPUT);
  expect(() => new GemPooling2D({ p: 0 })).toThrow(/p must be/);
  expect(() => new GemPooling2D({ p: 6.5 })).toThrow(/p must be/);
  expect(() => new GemPooling2D({ epsilon: 0 })).toThrow(/epsilon must be/);
});
