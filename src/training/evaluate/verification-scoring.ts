/**
 * The one scoring path of verification: embed the images with the model as it
 * serves (flip averaging, L2) → the distance of every pair in the card's metric
 * → ROC → AUC and EER. The trainer's per-epoch validation, `siamese eval`
 * (verification.eval.ts) and the ensemble's calibration all call it, so a number
 * measured in one place means the same in the others.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelCard } from '../../embedding/model-card';
import { inferenceSpec, type InferenceSpec } from '../../embedding/preprocess/flip-average';
import type { Metric } from '../../metric/metric';
import { auc, computeRoc, equalErrorRate, type Roc, type ScoredPair } from '../calibration/roc';
import { embedPixels, scorePairs, type PairIndex } from './embed';

export interface ScoringSpec {
  /** Input shape of the encoder (the card's preprocessing). */
  shape: { height: number; width: number; channels: number };
  /** How the model embeds at inference (flip averaging, L2); inferenceSpec(card). */
  inference: InferenceSpec;
  metric: Metric;
  /** Images per forward pass (default 64). */
  batchSize?: number;
}

/** ROC summary of scored pairs. */
export interface RocSummary {
  roc: Roc;
  auc: number;
  eer: number;
  /** Distance threshold at the equal error rate. */
  eerThreshold: number;
}

export interface VerificationScores extends RocSummary {
  /** One embedding per input image (for one-shot episodes on the same pass). */
  embeddings: Float32Array[];
  /** One (distance, same) per pair, in the order of `pairs`. */
  scores: ScoredPair[];
}

/** The scoring spec of a saved model: its input shape, inference options and metric. */
export function scoringSpecOf(card: ModelCard): ScoringSpec {
  return { shape: card.preprocessing, inference: inferenceSpec(card), metric: card.metric };
}

/** ROC, AUC and EER of already scored pairs (needs at least one same and one different pair). */
export function summariseRoc(scores: readonly ScoredPair[]): RocSummary {
  const roc = computeRoc(scores);
  const e = equalErrorRate(roc);
  return { roc, auc: auc(roc), eer: e.eer, eerThreshold: e.threshold };
}

/** Embed `pixels` → score `pairs` (indices into `pixels`) → ROC/AUC/EER. */
export function scoreVerification(
  model: tf.LayersModel,
  pixels: readonly Float32Array[],
  pairs: readonly PairIndex[],
  spec: ScoringSpec,
): VerificationScores {
  const embeddings = embedPixels(model, pixels, spec.shape, spec.batchSize ?? 64, spec.inference);
  const scores = scorePairs(embeddings, pairs, spec.metric);
  return { embeddings, scores, ...summariseRoc(scores) };
}
