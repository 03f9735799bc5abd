import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { buildEncoder, listBackbones, GroupNormalization } from '../../src/embedding/backbones';
import type { ArchitectureSpec, NormLayer } from '../../src/embedding/model-card';
import { DomainError, ErrorCode } from '../../src/errors';
import { lcg } from './fixtures';

const arch = (backbone: string, normalization: NormLayer = 'none', extra: Partial<ArchitectureSpec> = {}): ArchitectureSpec => ({
  backbone,
  embeddingDim: 16,
  normalization,
  l2Normalize: true,
  ...extra,
});

beforeAll(async () => {
  await initBackend('wasm');
});

describe('backbone registry', () => {
  test('lists the four backbones; unknown names are BAD_USER_INPUT', () => {
    expect(
      listBackbones()
        .map((b) => b.name)
        .sort(),
    ).toEqual(['face-resnet29', 'fast', 'resnet-small', 'seed']);
    let err: unknown;
    try {
      buildEncoder(arch('nope'), { height: 8, width: 8, channels: 1 });
    } catch (e) {
      err = e;
    }
    expect((err as DomainError).code).toBe(ErrorCode.BAD_USER_INPUT);
  });

  test('seed: the tutorial layer shapes and parameter count at 100×100×1', () => {
    const m = buildEncoder(
      { backbone: 'seed', embeddingDim: 512, normalization: 'none', l2Normalize: false },
      { height: 100, width: 100, channels: 1 },
      1,
    );
    expect(m.inputs[0].shape).toEqual([null, 100, 100, 1]);
    expect(m.outputs[0].shape).toEqual([null, 512]);
    // conv1 3·3·1·64+64 = 640; conv2 3·3·64·128+128 = 73,856; 100→98→49→47→23: dense 23·23·128·512+512 = 34,669,056.
    expect(m.countParams()).toBe(640 + 73_856 + 34_669_056);
    const convs = m.layers.filter((l) => l.getClassName() === 'Conv2D');
    expect(convs.map((l) => (l.getConfig() as { filters: number }).filters)).toEqual([64, 128]);
    expect(convs.every((l) => (l.getConfig() as { padding: string }).padding === 'valid')).toBe(true);
    m.dispose();
  });

  const combos: Array<[string, NormLayer]> = [];
  for (const b of ['fast', 'resnet-small', 'seed'])
    for (const n of ['none', 'batch', 'group', 'instance'] as NormLayer[]) combos.push([b, n]);

  test.each(combos)('%s with %s normalisation: [N,H,W,C] → [N,D], unit-norm rows, deterministic by seed', (b, n) => {
    const input = { height: 20, width: 20, channels: 3 };
    const m1 = buildEncoder(arch(b, n), input, 7);
    const m2 = buildEncoder(arch(b, n), input, 7);
    const m3 = buildEncoder(arch(b, n), input, 8);
    const x = tf.tensor4d(lcg(2 * 20 * 20 * 3, 5), [2, 20, 20, 3]);
    const before = tf.memory().numTensors;
    const [y1, y2, y3] = [m1, m2, m3].map((m) => m.predict(x) as tf.Tensor);
    expect(y1.shape).toEqual([2, 16]);
    const norms = tf.tidy(() => Array.from(tf.norm(y1, 'euclidean', 1).dataSync()));
    norms.forEach((v) => expect(v).toBeCloseTo(1, 5));
    expect(Array.from(y2.dataSync())).toEqual(Array.from(y1.dataSync()));
    expect(Array.from(y3.dataSync())).not.toEqual(Array.from(y1.dataSync()));
    tf.dispose([y1, y2, y3]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    [m1, m2, m3].forEach((m) => m.dispose());
  });
});

describe('GroupNormalization', () => {
  test('normalises each sample and group to zero mean, unit variance (hand-checked values)', () => {
    // One sample, 1×2 pixels, 2 channels, 1 group: values [1, 3, 5, 7] → mean 4, var 5 → (v−4)/√5.
    const layer = new GroupNormalization({ groups: 1, epsilon: 0 });
    const y = layer.apply(tf.tensor4d([1, 3, 5, 7], [1, 1, 2, 2])) as tf.Tensor;
    const expected = [1, 3, 5, 7].map((v) => (v - 4) / Math.sqrt(5));
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    // Instance norm (groups = channels): channel 0 = [1, 5] → ∓1; channel 1 = [3, 7] → ∓1.
    const inst = new GroupNormalization({ groups: 2, epsilon: 0 });
    const z = inst.apply(tf.tensor4d([1, 3, 5, 7], [1, 1, 2, 2])) as tf.Tensor;
    Array.from(z.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([-1, -1, 1, 1][i], 5));
  });
});

describe('every backbone trains on wasm', () => {
  test.each([
    ['fast', 'none'],
    ['fast', 'batch'],
    ['resnet-small', 'group'],
    ['resnet-small', 'instance'],
    ['seed', 'none'],
  ] as Array<[string, NormLayer]>)('%s/%s: Adam steps reduce a loss, gradients reach every weight, no leaks', (b, n) => {
    const model = buildEncoder(arch(b, n, { l2Normalize: b !== 'seed' }), { height: 16, width: 16, channels: 1 }, 3);
    const x = tf.tensor4d(lcg(4 * 16 * 16, 9), [4, 16, 16, 1]);
    // Pull the 4 embeddings towards fixed non-negative targets (the seed net ends in a ReLU): any working gradient path lowers this.
    const target = tf.tidy(() => tf.mul(tf.abs(tf.tensor2d(lcg(4 * 16, 4), [4, 16])), 0.25));
    const opt = tf.train.adam(0.003);
    const loss = () => tf.losses.meanSquaredError(target, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
    const first = opt.minimize(loss, true)!;
    const firstValue = first.dataSync()[0];
    first.dispose();
    const trainable = model.trainableWeights.map((w) => w.read().dataSync().slice());
    const before = tf.memory().numTensors;
    let last = firstValue;
    for (let i = 0; i < 5; i++) {
      const l = opt.minimize(loss, true)!;
      last = l.dataSync()[0];
      l.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(last)).toBe(true);
    expect(last).toBeLessThan(firstValue);
    model.trainableWeights.forEach((w, i) => {
      const now = w.read().dataSync();
      expect(now.some((v, j) => v !== trainable[i][j])).toBe(true);
    });
    tf.dispose([x, target]);
    opt.dispose();
    model.dispose();
  });
});
