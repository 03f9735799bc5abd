/**
 * The three training losses behind one shape, so the training step is written
 * once (loop/train-step.ts) and a loss is the only thing that differs:
 *
 *     batchLoss.images              which images go through the encoder, in order
 *     batchLoss.compute(embeddings) → { loss, diagnostic? }   (inside the gradient tape)
 *     batchLoss.activeFraction(d)   the diagnostic's value → StepInfo.activeFraction
 *
 * - contrastive: a batch of N pairs is 2N images (all the a's, then all the b's)
 *   through the one encoder, so the two "towers" are the same variables.
 * - triplet / prototypical: a P×K batch of images with batch-local labels.
 *
 * The adapters only wire arguments; the maths stays in the loss modules, with the
 * same tensors in the same order as before the adapters, so numbers are bit-identical.
 */
import * as tf from '@tensorflow/tfjs';
import type { Metric } from '../../metric/metric';
import { contrastiveLoss } from './contrastive.loss';
import { rowDistances } from './distances';
import { prototypicalLoss } from './prototypical.loss';
import { tripletLoss, type Mining } from './triplet.loss';

export { contrastiveLoss, contrastivePerPair, contrastiveLossFromEmbeddings, sameMask, type ContrastiveOptions } from './contrastive.loss';
export { tripletLoss, tripletLossFromDistances, MININGS, type Mining, type TripletOptions, type TripletResult } from './triplet.loss';
export { prototypicalLoss, type PrototypicalOptions, type PrototypicalResult } from './prototypical.loss';
export { rowDistances, pairwiseDistances, pairwiseSquaredEuclidean, l2NormalizeRows, safeSqrt } from './distances';

export type LossKind = 'contrastive' | 'triplet' | 'prototypical';

/** Prototypical loss: inverse temperature when the options give none. */
export const DEFAULT_PROTO_SCALE = 10;

export interface BatchLossValue {
  loss: tf.Scalar;
  /** A second per-batch number (triplet: share of active triplets; prototypical: accuracy). */
  diagnostic?: tf.Scalar;
}

/** One training batch and the loss of its embeddings. */
export interface BatchLoss {
  /** Image indices (into the training pixels) in the order the encoder sees them. */
  readonly images: readonly number[];
  /** Items for the throughput figure: pairs (contrastive) or images. */
  readonly items: number;
  /** The loss of the encoder's output for `images`; runs inside optimizer.minimize. */
  compute(embeddings: tf.Tensor2D): BatchLossValue;
  /** Share of the batch still teaching, from the diagnostic's value; absent: not reported. */
  activeFraction?(diagnostic: number): number;
  /**
   * The batch as micro-batches of at most `maxItems` items whose losses, each times its `share`, sum to this
   * batch's loss (so their gradients sum to its gradient): only for losses that are a mean over independent items
   * (contrastive pairs). Absent: the loss couples the whole batch (triplet and prototypical mine within it).
   * `positions` index the micro-batch's images in `images`.
   */
  split?(maxItems: number): MicroBatch[];
}

/** One part of a split batch (BatchLoss.split). */
export interface MicroBatch {
  loss: BatchLoss;
  positions: number[];
  share: number;
}

/** One pair of a contrastive batch: image indices, label and weight. */
export interface LossPair {
  a: number;
  b: number;
  same: boolean;
  weight: number;
}

/**
 * Contrastive loss over N pairs: rows 0..N−1 of the embeddings are the a's and
 * rows N..2N−1 the b's; the distance is `metric`'s, weighted when any weight ≠ 1.
 */
export function contrastiveBatchLoss(pairs: readonly LossPair[], options: { margin: number; metric: Metric }): BatchLoss {
  const n = pairs.length;
  return {
    images: [...pairs.map((p) => p.a), ...pairs.map((p) => p.b)],
    items: n,
    compute(embeddings) {
      const same = tf.tensor1d(
        pairs.map((p) => (p.same ? 1 : 0)),
        'float32',
      );
      const weights = pairs.some((p) => p.weight !== 1)
        ? tf.tensor1d(
            pairs.map((p) => p.weight),
            'float32',
          )
        : undefined;
      const a = tf.slice(embeddings, [0, 0], [n, -1]) as tf.Tensor2D;
      const b = tf.slice(embeddings, [n, 0], [n, -1]) as tf.Tensor2D;
      return { loss: contrastiveLoss(rowDistances(a, b, options.metric), same, { margin: options.margin, weights }) };
    },
    // The loss is (1/N)·Σ l_i, or Σ w_i·l_i / Σ w_i when weighted: a part's mean times its share n_k/N (or W_k/W).
    split(maxItems) {
      if (!Number.isInteger(maxItems) || maxItems < 1) throw new RangeError(`micro-batches need at least 1 pair (got ${maxItems})`);
      const weighted = pairs.some((p) => p.weight !== 1);
      const total = weighted ? pairs.reduce((s, p) => s + p.weight, 0) : n;
      const parts: MicroBatch[] = [];
      for (let from = 0; from < n; from += maxItems) {
        const sub = pairs.slice(from, from + maxItems);
        const positions = [...sub.map((_, i) => from + i), ...sub.map((_, i) => n + from + i)];
        const mass = weighted ? sub.reduce((s, p) => s + p.weight, 0) : sub.length;
        parts.push({ loss: contrastiveBatchLoss(sub, options), positions, share: total > 0 ? mass / total : 0 });
      }
      return parts;
    },
  };
}

/** Triplet loss with online mining over a P×K batch; reports the share of active triplets. */
export function tripletBatchLoss(
  images: readonly number[],
  labels: readonly number[],
  options: { margin: number; metric: Metric; mining: Mining },
): BatchLoss {
  return {
    images,
    items: images.length,
    compute(embeddings) {
      const r = tripletLoss(embeddings, labels, { margin: options.margin, metric: options.metric, mining: options.mining });
      return { loss: r.loss, diagnostic: r.activeFraction };
    },
    activeFraction: (share) => share,
  };
}

/** Prototypical (leave-one-out) loss over a P×K batch; reports the share of misclassified images. */
export function prototypicalBatchLoss(images: readonly number[], labels: readonly number[], options: { scale?: number }): BatchLoss {
  return {
    images,
    items: images.length,
    compute(embeddings) {
      const r = prototypicalLoss(embeddings, labels, { scale: options.scale ?? DEFAULT_PROTO_SCALE });
      return { loss: r.loss, diagnostic: r.accuracy };
    },
    // In JS doubles, as before: 1 − accuracy of the float32 accuracy.
    activeFraction: (accuracy) => 1 - accuracy,
  };
}
