/**
 * Linear probing, then fine-tuning (LP-FT; Kumar, Raghunathan, Jones, Ma & Liang 2022, "Fine-Tuning can
 * Distort Pretrained Features and Underperform Out-of-Distribution", ICLR). With a pretrained trunk and a
 * fresh head, training every layer from the first step sends the random head's large, arbitrary gradients
 * into the trunk and bends the features it brought before the head has learnt to use them; the paper shows
 * that training the head alone first, then everything, keeps the features and generalises better to data
 * unlike the training set (for a signature encoder: writers it never saw).
 *
 * `--freeze-trunk-epochs N` (with --trunk-from): epochs 1..N step only the head's variables, in inference mode
 * (`training: false`: a batch-norm trunk keeps the running statistics it brought and the head learns on the
 * features inference will see, Keras's convention for a frozen layer); later epochs step every variable in
 * training mode. N ≥ the run's epochs is a linear probe: the trunk never trains.
 *
 * At the unfreeze the optimiser restarts, for two reasons. tfjs's Adam (tfjs-core 4.22 adam_optimizer.js) keeps
 * its moment slots by position in the variable list, so the head-only optimiser's slots would be handed to
 * the trunk's first variables (a shape error, or a wrong update). And it keeps one bias-correction product
 * (β1^t, β2^t) for all variables, so a variable that joined after t steps would get moments without their
 * correction: for its n-th step m/√v ≈ (1 − 0.9^n)/√(1 − 0.999^n) · sign(g) once β^t ≈ 0 (3.2 at n = 1,
 * 6.5 at n = 10, 1.3 at n = 1000): steps several times the learning rate on the weights this protects.
 *
 * Head-only steps skip the trunk's backward pass, so they are faster: a --max-minutes budget's pace
 * projection from them is optimistic until the trunk joins (once the budget binds it follows the clock).
 */
import type * as tf from '@tensorflow/tfjs';
import { headVariables } from '../../embedding/backbones/trunk-transfer';
import { DomainError, ErrorCode } from '../../errors';

export interface TrunkFreeze {
  /** Whether epoch `epoch` (1-based) trains the head alone. */
  frozen(epoch: number): boolean;
  /** The variables epoch `epoch` steps. */
  variablesFor(epoch: number): tf.Variable[];
  /** Whether epoch `epoch` is the first to train the trunk after frozen epochs (the optimiser restarts there). */
  unfreezesAt(epoch: number): boolean;
}

/**
 * Every variable in every epoch when `frozenEpochs` is 0 or absent, or when the trunk has no trainable variable
 * to freeze (a backbone that freezes its own trunk, face-resnet29's `trainable: head`).
 */
export function trunkFreeze(
  model: tf.LayersModel,
  all: tf.Variable[],
  frozenEpochs = 0,
  epochs = Infinity,
  log: (message: string) => void = () => undefined,
): TrunkFreeze {
  if (!Number.isInteger(frozenEpochs) || frozenEpochs < 0)
    throw new DomainError(ErrorCode.BAD_USER_INPUT, `freezeEpochs must be a whole number ≥ 0, got ${frozenEpochs}`);
  let head = all;
  if (frozenEpochs > 0) {
    head = headVariables(model);
    if (head.length === all.length) {
      log(`--freeze-trunk-epochs ${frozenEpochs}: the trunk has no trainable weights to freeze; every epoch trains the head`);
      frozenEpochs = 0;
    } else if (frozenEpochs >= epochs) {
      log(`--freeze-trunk-epochs ${frozenEpochs} ≥ ${epochs} epochs: the trunk stays frozen for the whole run (a linear probe)`);
    }
  }
  const n = frozenEpochs;
  return {
    frozen: (epoch) => epoch <= n && n > 0,
    variablesFor: (epoch) => (epoch <= n ? head : all),
    unfreezesAt: (epoch) => n > 0 && epoch === n + 1,
  };
}
