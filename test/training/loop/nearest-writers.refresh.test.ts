import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/embedding/backend';
import { refreshNearestWriters } from '../../../src/training/loop/nearest-writers.refresh';
import { ForgeryPairSampler } from '../../../src/training/samplers/forgery-pair.sampler';

/**
 * Rule NEAR's refresh with an encoder that is the identity on a 1×2 image (a flatten layer): a writer's centroid is
 * the mean of its first two genuine images' pixels, so the neighbours can be worked out by hand.
 */
describe('refreshNearestWriters', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('places each writer by its first two genuine images and sets its nearest writers; a one-image writer is skipped', () => {
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [1, 2, 1] })] });
    // Pixels 0–9. Writer 0: images 0, 1 (and 2, not probed) → centroid (0, 1); writer 1: 3, 4 → (1, 1);
    // writer 2: 5, 6 → (5, 5); writer 3: only image 7, too few to draw, so neither placed nor anyone's neighbour.
    const pixels = [
      [0, 0],
      [0, 2],
      [9, 9],
      [1, 1],
      [1, 1],
      [5, 5],
      [5, 5],
      [1, 1],
    ].map((p) => Float32Array.from(p));
    const genuine = [[0, 1, 2], [3, 4], [5, 6], [7]];
    const sampler = new ForgeryPairSampler(genuine, [[], [], [], []], { seed: 1, hardWriterShare: 1 });
    const before = tf.memory().numTensors;
    const embedded = refreshNearestWriters(model, sampler, pixels, { height: 1, width: 2, channels: 1 }, {}, { k: 1, imagesPerWriter: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(embedded).toBe(6);
    // Nearest by squared distance: 0 → 1 (1), 1 → 0 (1), 2 → 1 (32 against 41 for 0).
    const near: Record<number, number> = { 0: 1, 1: 0, 2: 1 };
    const writerOf = (i: number) => genuine.findIndex((g) => g.includes(i));
    const negatives = sampler.batch(200).filter((p) => !p.same);
    expect(negatives).toHaveLength(100);
    for (const p of negatives) expect(writerOf(p.b)).toBe(near[writerOf(p.a)]);
    model.dispose();
  });
});
