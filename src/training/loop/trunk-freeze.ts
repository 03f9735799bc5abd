/**
 * Linear probing, then fine-tuning (LP-FT; Kumar, Raghunathan, Jones, Ma & Liang 2022, "Fine-Tuning can
 * Distort Pretrained Features and Underperform Out-of-Distribution", ICLR). With a pretrained trunk and a
 * fresh head, training every layer from the first step sends the random head's large, arbitrary gradients
 * into the trunk and bends the features it brought before the head has learnt to use them; the paper shows
 * that training the head alone first, then everything, keeps the features and generalises better to data
 * unlike the training set (for a signature encoder: writers it never saw).
 *
 * `--freeze-trunk-epochs N` (with --trunk-from): epochs 1..N step the head's variables only, later epochs
 * every variable. At the unfreeze the optimiser restarts: tfjs's Adam keeps one bias-correction product
 * (β1^t, β2^t) for all its variables, so a variable that joins after t steps gets moments without their
 * correction, m/√v ≈ (1 − 0.9^n)/√(1 − 0.999^n) · sign(g) for its n-th step (3.2 at n = 1, 6.5 at n = 10,
 * 1.3 at n = 1000): steps several times the learning rate, on exactly the weights this is meant to protect.
 */
import type * as tf from '@tensorflow/tfjs';
import { headVariables } from '../../embedding/backbones/trunk-transfer';

export interface TrunkFreeze {
  /** The variables epoch `epoch` steps (1-based). */
  variablesFor(epoch: number): tf.Variable[];
  /** Whether epoch `epoch` is the first to train the trunk after frozen epochs (the optimiser restarts there). */
  unfreezesAt(epoch: number): boolean;
}

/** Every variable in every epoch when `frozenEpochs` is 0 or absent. */
export function trunkFreeze(model: tf.LayersModel, all: tf.Variable[], frozenEpochs = 0): TrunkFreeze {
  const head = frozenEpochs > 0 ? headVariables(model) : all;
  return {
    variablesFor: (epoch) => (epoch <= frozenEpochs ? head : all),
    unfreezesAt: (epoch) => frozenEpochs > 0 && epoch === frozenEpochs + 1,
  };
}
