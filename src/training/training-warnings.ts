/**
 * What a finished training run should tell its user before anyone serves the
 * model (issue 14): written into the card (`warnings`) and printed by
 * `siamese train`. A warning never stops a run; the model is saved either way.
 *
 * - Few validation identities: the validation ROC, and so every calibrated
 *   threshold, rests on the pairs of those few people. With k identities, all
 *   the different-person pairs come from k(k−1)/2 pairs of people: 1 for k = 2.
 *   Below MIN_VALIDATION_IDENTITIES (10 pairs of people) the numbers are anecdotes.
 * - No validation split at all (under 2 identities, no calibration scores
 *   supplied): the card's numbers were measured on the training identities.
 * - A collapsed embedding: every image maps to (nearly) one point. Two signs,
 *   either suffices:
 *     · the default threshold is tiny for the embedding's scale: under a tenth of
 *       the margin for the margin losses (triplet, contrastive), whose trained
 *       distances are on the margin's scale; under 1 % of the distance range
 *       [0, 2] of L2-normalised or cosine embeddings otherwise;
 *     · triplet loss stuck at the margin over the last epochs: max(0, d⁺ − d⁻ + m)
 *       is exactly m when d⁺ = d⁻ = 0, the loss of a constant embedding.
 */
import type { Metric } from '../metric/metric';
import { baselineWarning, type PixelBaseline } from './evaluate/pixel-baseline';

export const MIN_VALIDATION_IDENTITIES = 5;
/** Relative distance of the loss from the margin that counts as "at the margin". */
const STUCK_TOLERANCE = 0.02;
/** Epochs at the end of the run that must all sit at the margin. */
const STUCK_EPOCHS = 3;

export interface TrainingWarningInput {
  validationIdentities: number;
  /** The per-epoch scores were measured on training identities (fewer than 2 validation identities). */
  scoredOnTraining: boolean;
  /** Thresholds came from supplied out-of-fold scores, not from this run's validation. */
  calibratedElsewhere: boolean;
  loss: 'contrastive' | 'triplet' | 'prototypical' | string;
  margin: number;
  metric: Metric;
  l2Normalize: boolean;
  defaultThreshold: number;
  /** Per-epoch mean training loss, in epoch order (epoch 0, when validated, carries no loss). */
  history: ReadonlyArray<{ epoch: number; loss: number }>;
  /** Issue 17: the validation pairs scored by raw pixels, and the saved model's AUC/EER on the same pairs. */
  baseline?: PixelBaseline;
  modelValidation?: { auc: number; eer: number };
  /** The trained encoder lost to the baseline and the pixel feature was saved in its place. */
  pixelFallback?: { trained: { auc: number; eer: number } };
}

export function trainingWarnings(input: TrainingWarningInput): string[] {
  const warnings: string[] = [];
  if (input.scoredOnTraining) {
    if (!input.calibratedElsewhere) {
      warnings.push(
        'no validation split (fewer than 2 validation identities): AUC, EER and the thresholds were measured on the training identities and are optimistic; train on more identities or raise --val-fraction',
      );
    }
  } else if (input.validationIdentities < MIN_VALIDATION_IDENTITIES) {
    const peoplePairs = (input.validationIdentities * (input.validationIdentities - 1)) / 2;
    warnings.push(
      `validation holds only ${input.validationIdentities} identities (${peoplePairs} pair${peoplePairs === 1 ? '' : 's'} of different people): ` +
        `the AUC, EER and thresholds rest on them alone; use at least ${MIN_VALIDATION_IDENTITIES} (more identities, or a larger --val-fraction)`,
    );
  }

  // Issue 17: a model that raw pixels beat is worse than no training at all; the user must hear it.
  if (input.pixelFallback) {
    warnings.push(
      `training did not beat raw pixels on validation (trained encoder AUC ${input.pixelFallback.trained.auc.toFixed(4)}, ` +
        `EER ${(input.pixelFallback.trained.eer * 100).toFixed(2)}%): the saved model is the pixel feature itself (card recipe: pixel fallback); ` +
        'more identities, more images per identity or a longer run may let a trained encoder win',
    );
  } else if (input.baseline && input.modelValidation && !input.scoredOnTraining) {
    const w = baselineWarning(input.modelValidation, input.baseline, 'validation');
    if (w) warnings.push(w);
  }

  const signs: string[] = [];
  const t = input.defaultThreshold;
  const marginLoss = input.loss === 'triplet' || input.loss === 'contrastive';
  if (marginLoss && input.margin > 0 && t < input.margin / 10) {
    signs.push(`the default threshold ${fmt(t)} is under a tenth of the margin ${fmt(input.margin)}`);
  } else if (!marginLoss && (input.metric === 'cosine' || input.l2Normalize) && t < 0.02) {
    signs.push(`the default threshold ${fmt(t)} is under 1 % of the distance range [0, 2]`);
  }
  if (input.loss === 'triplet' && input.margin > 0) {
    const last = input.history.filter((h) => Number.isFinite(h.loss)).slice(-STUCK_EPOCHS);
    if (last.length > 0 && last.every((h) => Math.abs(h.loss - input.margin) <= STUCK_TOLERANCE * input.margin)) {
      const epochs = last.length === 1 ? `epoch ${last[0].epoch}` : `epochs ${last[0].epoch}–${last[last.length - 1].epoch}`;
      signs.push(
        `the loss stayed at the margin (${last.map((h) => fmt(h.loss)).join(', ')} in ${epochs}), the loss of an embedding that maps every image to one point`,
      );
    }
  }
  if (signs.length > 0) {
    warnings.push(
      `the embedding looks collapsed: ${signs.join('; ')}. Matching pairs and strangers are barely apart, so the model cannot tell people apart; ` +
        'try a lower learning rate, another --mining, or more identities per batch',
    );
  }
  return warnings;
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}
