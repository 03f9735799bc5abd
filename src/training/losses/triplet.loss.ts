/**
 * Triplet loss with online mining over a P×K batch (P identities × K images).
 *
 *     ℓ(a, p, n) = max(0, d(a,p) − d(a,n) + m)
 *
 * where p shares a's identity and n does not (Weinberger & Saul's large-margin
 * idea as used by Schroff et al., "FaceNet", CVPR 2015). Which triplets of the
 * batch enter the mean is the mining mode:
 *
 * - `none`: every valid (a,p,n) triplet, mean over all of them (easy triplets
 *   contribute 0 and dilute the gradient: the plain baseline).
 * - `batch-all`: every valid triplet, mean over the *active* ones (loss > 0);
 *   Hermans, Beyer & Leibe, "In Defense of the Triplet Loss for Person
 *   Re-Identification", 2017 (their BA+ variant).
 * - `batch-hard`: per anchor, the farthest positive and the nearest negative in
 *   the batch; mean over anchors (Hermans et al. 2017).
 * - `semi-hard`: per (a,p) pair, the nearest negative that is still farther
 *   than p (d(a,n) > d(a,p)); FaceNet §3.2. When no such negative exists, the
 *   farthest negative is used (the least-hard of the hard ones, as TF-Addons'
 *   triplet_semihard_loss does). Mean over all (a,p) pairs.
 *
 * `activeFraction` reports the share of the considered triplets (or anchors for
 * batch-hard) with a positive loss: when it falls to 0 the batch teaches nothing.
 */
import * as tf from '@tensorflow/tfjs';
import type { Metric } from '../../metric/metric';
import { pairwiseDistances } from './distances';

export type Mining = 'none' | 'batch-all' | 'batch-hard' | 'semi-hard';
export const MININGS: readonly Mining[] = ['none', 'batch-all', 'batch-hard', 'semi-hard'];

export interface TripletOptions {
  margin: number;
  metric: Metric;
  mining: Mining;
}

export interface TripletResult {
  loss: tf.Scalar;
  /** Fraction of considered triplets/anchors whose loss is > 0. */
  activeFraction: tf.Scalar;
}

/** Larger than any distance either metric can produce; used to mask min/max. */
const BIG = 1e9;
const ACTIVE_EPS = 1e-12;

interface Masks {
  /** [N,N] bool: same label, i ≠ j. */
  pos: tf.Tensor2D;
  /** [N,N] bool: different label. */
  neg: tf.Tensor2D;
}

function masks(labels: tf.Tensor1D | ArrayLike<number>): Masks {
  const l = labels instanceof tf.Tensor ? tf.cast(labels, 'int32') : tf.tensor1d(Array.from(labels), 'int32');
  const n = l.shape[0];
  const eq = tf.equal(tf.reshape(l, [n, 1]), tf.reshape(l, [1, n])) as tf.Tensor2D;
  const notEye = tf.logicalNot(tf.cast(tf.eye(n), 'bool')) as tf.Tensor2D;
  return { pos: tf.logicalAnd(eq, notEye) as tf.Tensor2D, neg: tf.logicalNot(eq) as tf.Tensor2D };
}

/** Triplet loss over the pairwise distance matrix `d` [N,N] of one batch. */
export function tripletLossFromDistances(
  d: tf.Tensor2D,
  labels: tf.Tensor1D | ArrayLike<number>,
  options: Omit<TripletOptions, 'metric'>,
): TripletResult {
  const [loss, activeFraction] = tf.tidy(() => {
    const { pos, neg } = masks(labels);
    switch (options.mining) {
      case 'none':
      case 'batch-all':
        return allTriplets(d, pos, neg, options.margin, options.mining === 'batch-all');
      case 'batch-hard':
        return batchHard(d, pos, neg, options.margin);
      case 'semi-hard':
        return semiHard(d, pos, neg, options.margin);
      default:
        throw new RangeError(`unknown mining mode '${String(options.mining)}'`);
    }
  });
  return { loss, activeFraction };
}

/** Triplet loss of embeddings [N,D] with integer identity labels [N]. */
export function tripletLoss(embeddings: tf.Tensor2D, labels: tf.Tensor1D | ArrayLike<number>, options: TripletOptions): TripletResult {
  const d = pairwiseDistances(embeddings, embeddings, options.metric);
  try {
    return tripletLossFromDistances(d, labels, options);
  } finally {
    d.dispose();
  }
}

function allTriplets(d: tf.Tensor2D, pos: tf.Tensor2D, neg: tf.Tensor2D, margin: number, activeOnly: boolean): [tf.Scalar, tf.Scalar] {
  const n = d.shape[0];
  // t[i,j,k] = d(i,j) − d(i,k) + m, valid when j is a positive and k a negative of anchor i.
  const t = tf.add(tf.sub(tf.reshape(d, [n, n, 1]), tf.reshape(d, [n, 1, n])), margin);
  const valid = tf.mul(tf.reshape(tf.cast(pos, 'float32'), [n, n, 1]), tf.reshape(tf.cast(neg, 'float32'), [n, 1, n]));
  const losses = tf.mul(tf.relu(t), valid);
  const active = tf.step(tf.sub(losses, ACTIVE_EPS));
  const numActive = tf.sum(active);
  const numValid = tf.sum(valid);
  const denom = activeOnly ? numActive : numValid;
  const loss = tf.div(tf.sum(losses), tf.maximum(denom, 1)) as tf.Scalar;
  return [loss, tf.div(numActive, tf.maximum(numValid, 1)) as tf.Scalar];
}

function batchHard(d: tf.Tensor2D, pos: tf.Tensor2D, neg: tf.Tensor2D, margin: number): [tf.Scalar, tf.Scalar] {
  const hardestPos = tf.max(tf.where(pos, d, tf.fill(d.shape, -BIG)), 1);
  const hardestNeg = tf.min(tf.where(neg, d, tf.fill(d.shape, BIG)), 1);
  const anchorValid = tf.cast(tf.logicalAnd(tf.any(pos, 1), tf.any(neg, 1)), 'float32');
  const per = tf.mul(tf.relu(tf.add(tf.sub(hardestPos, hardestNeg), margin)), anchorValid);
  const count = tf.maximum(tf.sum(anchorValid), 1);
  const active = tf.sum(tf.step(tf.sub(per, ACTIVE_EPS)));
  return [tf.div(tf.sum(per), count) as tf.Scalar, tf.div(active, count) as tf.Scalar];
}

function semiHard(d: tf.Tensor2D, pos: tf.Tensor2D, neg: tf.Tensor2D, margin: number): [tf.Scalar, tf.Scalar] {
  // Masks that depend on distances are built with arithmetic (step, mul) instead of
  // comparisons + where: tfjs has no gradient for comparison ops on the tape.
  const n = d.shape[0];
  const negF = tf.cast(neg, 'float32');
  const dap = tf.reshape(d, [n, n, 1]); // d(i,j) for the candidate positive j
  const dan = tf.reshape(d, [n, 1, n]); // d(i,k) for every k
  // farther[i,j,k] = 1 when k is a negative of i and d(i,k) > d(i,j).
  const farther = tf.mul(tf.reshape(negF, [n, 1, n]), tf.step(tf.sub(dan, dap)));
  const nearestFarther = tf.min(tf.add(tf.mul(dan, farther), tf.mul(BIG, tf.sub(1, farther))), 2); // [N,N]
  const hasFarther = tf.max(farther, 2); // [N,N] 0/1
  const farthestNeg = tf.max(tf.sub(tf.mul(d, negF), tf.mul(BIG, tf.sub(1, negF))), 1, true); // [N,1]
  const chosen = tf.add(tf.mul(hasFarther, nearestFarther), tf.mul(tf.sub(1, hasFarther), farthestNeg));
  const considered = tf.cast(tf.logicalAnd(pos, tf.reshape(tf.any(neg, 1), [n, 1])), 'float32');
  const per = tf.mul(tf.relu(tf.add(tf.sub(d, chosen), margin)), considered);
  const count = tf.maximum(tf.sum(considered), 1);
  const active = tf.sum(tf.step(tf.sub(per, ACTIVE_EPS)));
  return [tf.div(tf.sum(per), count) as tf.Scalar, tf.div(active, count) as tf.Scalar];
}
