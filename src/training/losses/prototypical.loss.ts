/**
 * Prototypical loss over a P×K batch (Snell, Swersky & Zemel, "Prototypical
 * Networks for Few-shot Learning", NeurIPS 2017), in its leave-one-out form so
 * every image of the batch is a query and no images are spent on support only:
 *
 *     c_k      = mean of the K embeddings of class k
 *     c_k^(−i) = (K·c_k − f(x_i)) / (K − 1)           (own class, without x_i)
 *     p(y = k | x_i) = softmax_k( −s · ||f(x_i) − c||² )  with c = c_k^(−i) for k = y_i, else c_k
 *     ℓ = −(1/N) Σ_i log p(y_i | x_i)
 *
 * i.e. every training step is a P-way classification of each image against
 * class prototypes, the same decision the one-shot evaluation makes, instead
 * of triplet's local comparisons. `s` (scale) is a fixed inverse temperature:
 * embeddings are L2-normalised, so squared distances live in [0, 4] and the
 * softmax needs s ≈ 5–20 to become peaked (Wang et al. NormFace 2017 make the
 * same point for cosine softmax). Squared Euclidean distance as in Snell et al.
 *
 * Labels are batch-local class ids; every class must have the same count K ≥ 2
 * (the P×K sampler guarantees it). `accuracy` reports the share of images whose
 * nearest prototype is their own class.
 */
import * as tf from '@tensorflow/tfjs';
import { pairwiseSquaredEuclidean } from './distances';

export interface PrototypicalOptions {
  /** Inverse temperature s multiplying the negative squared distances. */
  scale: number;
}

export interface PrototypicalResult {
  loss: tf.Scalar;
  /** Share of batch images classified correctly by their nearest prototype. */
  accuracy: tf.Scalar;
}

/**
 * @param embeddings [N, D]
 * @param labels     [N] batch-local class ids 0..P−1, each appearing exactly K ≥ 2 times
 */
export function prototypicalLoss(embeddings: tf.Tensor2D, labels: ArrayLike<number>, options: PrototypicalOptions): PrototypicalResult {
  const lab = Array.from(labels);
  const n = lab.length;
  const p = Math.max(...lab) + 1;
  const counts = new Array<number>(p).fill(0);
  lab.forEach((l) => counts[l]++);
  const k = counts[0];
  if (k < 2 || counts.some((c) => c !== k))
    throw new RangeError(`prototypical loss needs K ≥ 2 images of every class (counts ${counts.join(',')})`);
  if (embeddings.shape[0] !== n) throw new RangeError(`embeddings have ${embeddings.shape[0]} rows, labels ${n}`);

  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.tensor1d(lab, 'int32'), p).toFloat() as tf.Tensor2D; // [N,P]
    // Class means via a matmul with the one-hot matrix (no gather: cheaper gradients on wasm).
    const centroids = tf.div(tf.matMul(onehot, embeddings, true, false), k) as tf.Tensor2D; // [P,D]
    const dAll = pairwiseSquaredEuclidean(embeddings, centroids); // [N,P]
    // Own-class prototype without the query itself.
    const ownCentroid = tf.matMul(onehot, centroids) as tf.Tensor2D; // [N,D] = c_{y_i}
    const looCentroid = tf.div(tf.sub(tf.mul(ownCentroid, k), embeddings), k - 1);
    const dOwn = tf.sum(tf.square(tf.sub(embeddings, looCentroid)), 1, true); // [N,1]
    const dist = tf.add(tf.mul(dAll, tf.sub(1, onehot)), tf.mul(dOwn, onehot)) as tf.Tensor2D;
    const logits = tf.mul(dist, -options.scale) as tf.Tensor2D;
    const logProb = tf.sub(logits, tf.logSumExp(logits, 1, true));
    const loss = tf.neg(tf.mean(tf.sum(tf.mul(logProb, onehot), 1))) as tf.Scalar;
    const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(onehot, 1)), 'float32')) as tf.Scalar;
    return { loss, accuracy };
  });
}
