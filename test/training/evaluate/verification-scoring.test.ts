/**
 * The shared scoring path (embed → score pairs → ROC/AUC/EER) on an encoder whose
 * embedding is the image itself, so every number can be derived by hand.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/embedding/backend';
import { calibrate, verificationMetrics } from '../../../src/training/calibration/calibrate';
import { scoreVerification, summariseRoc } from '../../../src/training/evaluate/verification-scoring';

beforeAll(async () => {
  await initBackend('cpu');
});

/** 1×2×1 images → dense(2) with W = I, b = 0: the embedding is the pixel pair. */
function identityEncoder(): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [1, 2, 1] }), tf.layers.dense({ units: 2, useBias: true })] });
  tf.tidy(() =>
    model.setWeights([
      tf.tensor2d([
        [1, 0],
        [0, 1],
      ]),
      tf.tensor1d([0, 0]),
    ]),
  );
  return model;
}

const images = [
  [0, 0],
  [0, 1],
  [3, 4],
  [3, 5],
].map((p) => Float32Array.from(p));
// Euclidean distances: (0,1) 1 · (2,3) 1 · (0,3) √34 ≈ 5.831 · (0,2) 5 · (1,3) 5 · (1,2) √18 ≈ 4.243
const pairs = [
  { a: 0, b: 1, same: true },
  { a: 2, b: 3, same: true },
  { a: 0, b: 3, same: true },
  { a: 0, b: 2, same: false },
  { a: 1, b: 3, same: false },
  { a: 1, b: 2, same: false },
];

describe('scoreVerification', () => {
  it('embeds, scores every pair in order and summarises the ROC (hand-derived)', () => {
    const model = identityEncoder();
    const before = tf.memory().numTensors;
    const v = scoreVerification(model, images, pairs, {
      shape: { height: 1, width: 2, channels: 1 },
      inference: { l2Normalize: false },
      metric: 'euclidean',
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(v.embeddings.map((e) => Array.from(e))).toEqual([
      [0, 0],
      [0, 1],
      [3, 4],
      [3, 5],
    ]);
    const expected = [1, 1, Math.sqrt(34), 5, 5, Math.sqrt(18)];
    v.scores.forEach((s, i) => {
      expect(s.same).toBe(pairs[i].same);
      expect(s.distance).toBeCloseTo(expected[i], 5);
    });
    // Sorted: 1 S, 1 S, 4.24 D, 5 D, 5 D, 5.83 S. Same–different pairs ranked right: 2 same × 3 different = 6 of 9.
    expect(v.auc).toBeCloseTo(6 / 9, 12);
    // At d = √18: FAR = 1/3 and FRR = 1 − 2/3: the EER is 1/3 there.
    expect(v.eer).toBeCloseTo(1 / 3, 12);
    expect(v.eerThreshold).toBeCloseTo(Math.sqrt(18), 5);
    expect(v.roc.positives).toBe(3);
    expect(v.roc.negatives).toBe(3);
    model.dispose();
  });

  it('agrees with calibrate() and verificationMetrics() on the same scores', () => {
    const scores = pairs.map((p, i) => ({ distance: [1, 1, 5.8, 5, 5, 4.2][i], same: p.same }));
    const s = summariseRoc(scores);
    const c = calibrate(scores, {}, s.roc);
    expect(c).toEqual(calibrate(scores));
    expect(c.metrics.auc).toBe(s.auc);
    expect(c.metrics.eer).toBe(s.eer);
    expect(c.eerThreshold).toBe(s.eerThreshold);
    expect(verificationMetrics(scores, 4.5, s.roc)).toEqual(verificationMetrics(scores, 4.5));
  });
});
