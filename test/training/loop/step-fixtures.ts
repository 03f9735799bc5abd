/** The fixed tiny batch and encoder that the training-step tests share (train-step.test.ts, micro-batch.test.ts). */
import * as tf from '@tensorflow/tfjs';
import type { ImageShape } from '../../../src/training/loop/train-step';

export const shape: ImageShape = { height: 2, width: 2, channels: 1 };
// Six fixed 2×2 images; identities for the P×K cases: images 0,1 → 0; 2,3 → 1; 4,5 → 2.
export const pixels = [
  [0.1, 0.9, 0.3, 0.2],
  [0.2, 0.8, 0.4, 0.1],
  [0.9, 0.1, 0.5, 0.7],
  [0.7, 0.2, 0.6, 0.9],
  [0.4, 0.4, 0.0, 0.3],
  [0.5, 0.3, 0.1, 0.2],
].map((p) => Float32Array.from(p));
export const KERNEL = [
  [0.5, -0.3, 0.8],
  [0.1, 0.7, -0.2],
  [-0.6, 0.2, 0.4],
  [0.3, -0.5, 0.9],
];
export const BIAS = [0.05, -0.1, 0.2];

/** flatten → dense with the given weights: a linear encoder whose gradients are easy to follow. */
export function tinyEncoder(kernel: number[][] = KERNEL, bias: number[] = BIAS, inputShape: number[] = [2, 2, 1]): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape }), tf.layers.dense({ units: bias.length, useBias: true })] });
  tf.tidy(() => model.setWeights([tf.tensor2d(kernel), tf.tensor1d(bias)]));
  return model;
}
