import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { augmentBatch, augmentPreset, randomWarp, type AugmentOptions } from '../../../src/training/augment/affine.augment';
import { Rng } from '../../../src/training/samplers/rng';
import { STILL_AUGMENT } from '../fixtures/still-augment';

// every component switched on at zero strength
const identityOpts: AugmentOptions = { ...STILL_AUGMENT, componentProbability: 1, fillMode: 'constant' };

describe('affine augmentation', () => {
  it('a zero-strength warp is the identity matrix', () => {
    expect(randomWarp(10, 10, identityOpts, new Rng(1))).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('a pure flip maps output x to input w−1−x', () => {
    const m = randomWarp(5, 3, { ...identityOpts, horizontalFlip: true }, { next: () => 0, uniform: (a: number) => a } as unknown as Rng);
    // a0 = −1, a2 = 2·cx = w − 1 = 4; y untouched.
    expect(m.map((v) => +v.toFixed(12) + 0)).toEqual([-1, 0, 4, 0, 1, 0, 0, 0]);
  });

  it.each(['cpu', 'wasm'])('runs on the %s backend, keeps shape, is seeded, and a flip mirrors pixels', async (backend) => {
    await tf.setBackend(backend);
    await tf.ready();
    const before = tf.memory().numTensors;
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    const flipped = augmentBatch(x, { ...identityOpts, horizontalFlip: true, componentProbability: 0 }, {
      next: () => 0,
      uniform: (a: number) => a,
      int: () => 0,
    } as unknown as Rng);
    expect(Array.from(flipped.dataSync())).toEqual([3, 2, 1, 6, 5, 4]);
    const big = tf.randomUniform([3, 16, 16, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const a = augmentBatch(big, augmentPreset('affine'), new Rng(42));
    const b = augmentBatch(big, augmentPreset('affine'), new Rng(42));
    expect(a.shape).toEqual([3, 16, 16, 1]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const f = augmentBatch(big, augmentPreset('faces'), new Rng(3));
    expect(Array.from(f.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, flipped, big, a, b, f]);
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
  });

  it('none returns an unchanged copy', () => {
    const x = tf.ones([1, 2, 2, 1]) as tf.Tensor4D;
    const y = augmentBatch(x, augmentPreset('none'), new Rng(0));
    expect(y).not.toBe(x);
    expect(Array.from(y.dataSync())).toEqual([1, 1, 1, 1]);
  });
});
