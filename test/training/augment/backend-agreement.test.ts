/**
 * The same seeded augmentation gives the same batch on the cpu and wasm
 * backends, image by image. Regression: tfjs's cpu `transform` zero-filled
 * every image after the first of a batch, so cpu training learned from blanks.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { augmentBatch, augmentPreset } from '../../../src/training/augment/affine.augment';
import { Rng } from '../../../src/training/samplers/rng';

async function augmentOn(backend: string, pixels: Float32Array): Promise<Float32Array> {
  await tf.setBackend(backend);
  await tf.ready();
  const before = tf.memory().numTensors;
  const x = tf.tensor4d(pixels, [4, 12, 12, 1]);
  const y = augmentBatch(x, augmentPreset('affine'), new Rng(3));
  const out = y.dataSync() as Float32Array;
  tf.dispose([x, y]);
  expect(tf.memory().numTensors).toBe(before);
  return Float32Array.from(out);
}

it('cpu and wasm agree on every image of a batch, and no image comes out blank', async () => {
  const pixels = Float32Array.from({ length: 4 * 144 }, (_, i) => ((i * 37) % 101) / 100 + 0.01);
  const cpu = await augmentOn('cpu', pixels);
  const wasm = await augmentOn('wasm', pixels);
  for (let img = 0; img < 4; img++) {
    const a = cpu.subarray(img * 144, (img + 1) * 144);
    const b = wasm.subarray(img * 144, (img + 1) * 144);
    expect(a.reduce((s, v) => s + v, 0)).toBeGreaterThan(1);
    let maxDiff = 0;
    for (let i = 0; i < 144; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThan(1e-4);
  }
});
