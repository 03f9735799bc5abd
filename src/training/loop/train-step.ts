/**
 * One optimiser step, whatever the loss: pack the batch's images, augment them,
 * run them through the one encoder on the gradient tape, minimise the batch
 * loss (losses/index.ts), read back the loss and the loss's diagnostic.
 * Contrastive pairs, triplet and prototypical P×K batches differ only in the
 * BatchLoss they pass; the encoder, and so the Siamese weight sharing, is the same.
 *
 * Micro-batches (`microBatch`, session 35): a batch larger than that many items is
 * run through the tape in parts whose gradients, each scaled by its share of the
 * loss, are summed before the one optimiser step: for an encoder without batch
 * normalisation the same step as the whole batch up to float rounding (gradient
 * accumulation), at a fraction of the activation memory. On the wasm heap a
 * contrastive step of 32 pairs at 224×128 with 64 first-layer channels aborts
 * "memory access out of bounds" where one at 224×112 runs (micro-batch.ts):
 * micro-batches are how a larger input trains there. Only losses that are a mean
 * over independent items split (BatchLoss.split: contrastive).
 */
import * as tf from '@tensorflow/tfjs';
import { augmentBatch, type AugmentOptions } from '../augment/affine.augment';
import { packBatch } from '../data/image-cache';
import { DomainError, ErrorCode } from '../../errors';
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
  /** Items (contrastive pairs) per pass through the tape; absent or ≥ the batch: the whole batch at once. */
  microBatch?: number,
): StepResult {
  const raw = imagesTensor(pixels, batch.images, shape);
  // The whole batch is augmented at once, so the random draws do not depend on the micro-batches.
  const x = augmentBatch(raw, augment, rng);
  raw.dispose();
  if (microBatch !== undefined && batch.items > microBatch) {
    try {
      return accumulatedStep(model, optimizer, vars, batch, x, training, microBatch);
    } finally {
      x.dispose();
    }
  }
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

/** One optimiser step on the sum of the micro-batches' scaled gradients (gradient accumulation). */
function accumulatedStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  batch: BatchLoss,
  x: tf.Tensor4D,
  training: boolean,
  microBatch: number,
): StepResult {
  if (!batch.split)
    throw new DomainError(
      ErrorCode.BAD_USER_INPUT,
      'micro-batches need a loss that is a mean over independent pairs (contrastive); triplet and prototypical batches mine within the whole batch',
    );
  let sum: tf.NamedTensorMap | undefined;
  let loss = 0;
  // Whatever throws (an overrun heap, a cancelled run), every gradient made so far is released.
  try {
    for (const part of batch.split(microBatch)) {
      const { value, grads } = tf.tidy(() => {
        const xs = tf.gather(x, part.positions);
        return tf.variableGrads(
          () => tf.mul(part.loss.compute(model.apply(xs, { training }) as tf.Tensor2D).loss, part.share) as tf.Scalar,
          vars,
        );
      });
      try {
        loss += value.dataSync()[0];
        const previous = sum;
        sum = previous
          ? tf.tidy(() => Object.fromEntries(Object.entries(previous).map(([name, g]) => [name, tf.add(g, grads[name])])))
          : grads;
        if (previous) tf.dispose(Object.values(previous));
      } finally {
        value.dispose();
        if (sum !== grads) tf.dispose(Object.values(grads));
      }
    }
    optimizer.applyGradients(sum!);
  } finally {
    if (sum) tf.dispose(Object.values(sum));
  }
  return { loss };
}
