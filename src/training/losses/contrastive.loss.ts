/**
 * Contrastive loss (Hadsell, Chopra & LeCun, "Dimensionality Reduction by
 * Learning an Invariant Mapping", CVPR 2006):
 *
 *     L(D, y) = ½ · [ (1 − y) · D²  +  y · max(0, m − D)² ]
 *
 * In the paper **y = 0 means a similar pair** and y = 1 a dissimilar one. Many
 * re-implementations flip it (y = 1 for "same") and silently train the
 * opposite objective, so this module never takes `y` from callers: the API
 * takes `same` (1/true = the two images show the same identity) and derives
 * y = 1 − same internally. Similar pairs are pulled to D = 0; dissimilar pairs
 * are pushed out to at least the margin m and then ignored.
 *
 * Optional per-pair weights (explicit labelled pairs, corrected mistakes) give
 * a weighted mean Σ wᵢLᵢ / Σ wᵢ, so the loss scale does not depend on them.
 */
import * as tf from '@tensorflow/tfjs';
import type { Metric } from '../../metric/metric';
import { rowDistances } from './distances';

export interface ContrastiveOptions {
  margin: number;
  /** Per-pair weights ≥ 0; default all 1. */
  weights?: tf.Tensor1D | ArrayLike<number>;
}

/** 1 for a same-identity pair, 0 otherwise: the only way labels enter this loss. */
export function sameMask(same: ArrayLike<boolean> | tf.Tensor1D): tf.Tensor1D {
  if (same instanceof tf.Tensor) return tf.cast(same, 'float32') as tf.Tensor1D;
  return tf.tensor1d(
    Array.from(same, (s) => (s ? 1 : 0)),
    'float32',
  );
}

/** Per-pair losses Lᵢ (not reduced). `distances` [N], `same` [N] with 1 = same identity. */
export function contrastivePerPair(distances: tf.Tensor1D, same: tf.Tensor1D | ArrayLike<boolean>, margin: number): tf.Tensor1D {
  return tf.tidy(() => {
    const s = sameMask(same); // 1 − y in the paper's notation
    const y = tf.sub(1, s);
    const pull = tf.mul(s, tf.square(distances));
    const push = tf.mul(y, tf.square(tf.relu(tf.sub(margin, distances))));
    return tf.mul(0.5, tf.add(pull, push)) as tf.Tensor1D;
  });
}

/** Weighted mean contrastive loss over a batch of pairs (scalar). */
export function contrastiveLoss(distances: tf.Tensor1D, same: tf.Tensor1D | ArrayLike<boolean>, options: ContrastiveOptions): tf.Scalar {
  return tf.tidy(() => {
    const per = contrastivePerPair(distances, same, options.margin);
    if (options.weights === undefined) return tf.mean(per) as tf.Scalar;
    const w = options.weights instanceof tf.Tensor ? options.weights : tf.tensor1d(Array.from(options.weights), 'float32');
    return tf.div(tf.sum(tf.mul(per, w)), tf.maximum(tf.sum(w), 1e-12)) as tf.Scalar;
  });
}

/**
 * The loss for two towers' embeddings of the same pairs: row i of `a` and
 * row i of `b` form pair i.
 */
export function contrastiveLossFromEmbeddings(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  same: tf.Tensor1D | ArrayLike<boolean>,
  options: ContrastiveOptions & { metric: Metric },
): tf.Scalar {
  return tf.tidy(() => contrastiveLoss(rowDistances(a, b, options.metric), same, options));
}
