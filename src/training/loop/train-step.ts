/**
 * One optimiser step, whatever the loss: pack the batch's images, augment them,
 * run them through the one encoder on the gradient tape, minimise the batch
 * loss (losses/index.ts), read back the loss and the loss's diagnostic.
 * Contrastive pairs, triplet and prototypical P×K batches differ only in the
 * BatchLoss they pass; the encoder, and so the Siamese weight sharing, is the same.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentBatch, type AugmentOptions } from '../augment/affine.augment';
import { packBatch } from '../data/image-cache';
import type { BatchLoss } from '../losses';
import type { Rng } from '../samplers/rng';

export type ImageShape = { height: number; width: number; channels: number };

export interface StepResult {
  loss: number;
  /** BatchLoss.activeFraction of the diagnostic; undefined for losses without one (contrastive). */
  activeFraction?: number;
}

export function imagesTensor(pixels: readonly Float32Array[], indices: readonly number[], shape: ImageShape): tf.Tensor4D {
  return tf.tensor4d(packBatch(pixels, indices), [indices.length, shape.height, shape.width, shape.channels]);
}

/** One optimiser step of `batch` on `vars`; leaves no tensors behind. */
export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  batch: BatchLoss,
  pixels: readonly Float32Array[],
  shape: ImageShape,
  augment: AugmentOptions | null,
  rng: Rng,
  /** false while the trunk is frozen (trunk-freeze.ts): batch norm then uses, and keeps, its running statistics. */
  training = true,
): StepResult {
  const raw = imagesTensor(pixels, batch.images, shape);
  const x = augmentBatch(raw, augment, rng);
  raw.dispose();
  let diagnostic: tf.Scalar | undefined;
  const cost = optimizer.minimize(
    () => {
      const r = batch.compute(model.apply(x, { training }) as tf.Tensor2D);
      // The tape's tidy would dispose it; it is read after the step.
      if (r.diagnostic) diagnostic = tf.keep(r.diagnostic);
      return r.loss;
    },
    true,
    vars,
  );
  const loss = cost!.dataSync()[0];
  const d = diagnostic ? diagnostic.dataSync()[0] : undefined;
  tf.dispose([cost!, x, ...(diagnostic ? [diagnostic] : [])]);
  return { loss, activeFraction: d !== undefined && batch.activeFraction ? batch.activeFraction(d) : undefined };
}
