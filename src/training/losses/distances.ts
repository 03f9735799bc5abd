/**
 * Tensor versions of the distances of src/metric/metric.ts. They must agree
 * with those definitions to float precision, because thresholds calibrated on
 * these numbers are applied by the vector index and the API to the others:
 *
 * - euclidean: d(a,b) = ||a − b||₂ (the root, not the square)
 * - cosine:    d(a,b) = 1 − a·b / (||a||·||b||); a zero vector is at distance 1 from everything
 *
 * The square root has an infinite derivative at 0, and d(a,a) = 0 happens all
 * the time (the diagonal of a pairwise matrix, duplicated images, a collapsed
 * embedding). `safeSqrt` returns exactly 0 there with a zero gradient instead
 * of NaN, so one degenerate pair cannot poison a whole batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { Metric } from '../../metric/metric';

const SQRT_EPS = 1e-12;
const NORM_EPS = 1e-12;

/**
 * √x for x ≥ 0 with a finite gradient everywhere. At or below SQRT_EPS the
 * value is 0 and the gradient 0: √max(x, ε) has a finite derivative, and the
 * 0/1 factor step(x − ε) zeroes it (0·finite = 0, never 0·∞ = NaN). `step`
 * rather than `where(less(…))` because tfjs has no gradient for comparisons.
 */
export function safeSqrt(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sqrt(tf.maximum(x, SQRT_EPS)), tf.step(tf.sub(x, SQRT_EPS))));
}

/** Rows divided by their L2 norm; zero rows stay zero (so their cosine distance is 1). */
export function l2NormalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(x), 1, true), NORM_EPS * NORM_EPS));
    return tf.div(x, norm) as tf.Tensor2D;
  });
}

/** ||a_i − b_j||² for all i, j: [N,D] × [M,D] → [N,M], clamped at 0 against cancellation. */
export function pairwiseSquaredEuclidean(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const aa = tf.sum(tf.square(a), 1, true); // [N,1]
    const bb = tf.reshape(tf.sum(tf.square(b), 1), [1, -1]); // [1,M]
    const ab = tf.matMul(a, b, false, true); // [N,M]
    return tf.relu(tf.sub(tf.add(aa, bb), tf.mul(2, ab))) as tf.Tensor2D;
  });
}

/** Distance matrix [N,M] between the rows of a and the rows of b in `metric`. */
export function pairwiseDistances(a: tf.Tensor2D, b: tf.Tensor2D, metric: Metric): tf.Tensor2D {
  return tf.tidy(() => {
    if (metric === 'cosine') {
      const sim = tf.matMul(l2NormalizeRows(a), l2NormalizeRows(b), false, true);
      return tf.sub(1, sim) as tf.Tensor2D;
    }
    return safeSqrt(pairwiseSquaredEuclidean(a, b)) as tf.Tensor2D;
  });
}

/**
 * Distance between row i of a and row i of b: [N,D] × [N,D] → [N]. The
 * euclidean form subtracts first (no cancellation), so identical rows give
 * exactly 0.
 */
export function rowDistances(a: tf.Tensor2D, b: tf.Tensor2D, metric: Metric): tf.Tensor1D {
  return tf.tidy(() => {
    if (metric === 'cosine') {
      const cos = tf.sum(tf.mul(l2NormalizeRows(a), l2NormalizeRows(b)), 1);
      return tf.sub(1, cos) as tf.Tensor1D;
    }
    return safeSqrt(tf.sum(tf.square(tf.sub(a, b)), 1)) as tf.Tensor1D;
  });
}
