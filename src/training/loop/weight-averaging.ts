/**
 * Weight updates around the optimiser step: decoupled weight decay and the
 * exponential moving average of the weights (see TrainOptions.weightDecay / ema),
 * and swapping the average in for validation and back out.
 */
import * as tf from '@tensorflow/tfjs';

/** One EMA step: returns the new shadow tensors (kept) and disposes the old ones. */
export function updateEma(shadow: tf.Tensor[], vars: readonly tf.Variable[], decay: number): tf.Tensor[] {
  const next = tf.tidy(() => shadow.map((s, i) => tf.add(tf.mul(s, decay), tf.mul(vars[i], 1 - decay))));
  next.forEach((t) => tf.keep(t));
  tf.dispose(shadow);
  return next;
}

/** Assigns `values` to `vars`; returns (kept) copies of what the variables held before. */
export function swapIn(vars: readonly tf.Variable[], values: readonly tf.Tensor[]): tf.Tensor[] {
  const before = vars.map((v) => tf.keep(v.clone()));
  vars.forEach((v, i) => v.assign(values[i]));
  return before;
}

/** Decoupled weight decay step: w ← w·(1 − factor) for each variable. */
export function applyWeightDecay(vars: readonly tf.Variable[], factor: number): void {
  tf.tidy(() => vars.forEach((v) => v.assign(tf.mul(v, 1 - factor))));
}
