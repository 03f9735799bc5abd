/**
 * How a training run scores a model: on the held-out identities' verification pairs
 * (AUC, EER, accuracy at the model's default threshold) through the one scoring path of
 * src/training/evaluate/verification-scoring.ts, the same numbers `siamese eval` and the
 * trainer's validation report, and on the explicit labelled pairs. The serving model and the
 * retrained one are scored on the SAME pairs; the promotion rule compares the two.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelCard } from '../../embedding/model-card';
import { preprocessImage } from '../../embedding/preprocess/preprocess-image';
import { distance } from '../../metric/metric';
import { accuracyAt, type ScoredPair } from '../../training/calibration/roc';
import type { LabelledPair } from '../../training/data/labelled-image-source';
import { embedPixels, type PairIndex } from '../../training/evaluate/embed';
import { scoreVerification, scoringSpecOf } from '../../training/evaluate/verification-scoring';
import type { ModelScore } from './run-state';
import type { KeyedImage } from './training-data';

export interface Evaluation {
  auc: number | null;
  eer: number | null;
  accuracy: number | null;
  pairAccuracy: number | null;
}

export interface HeldOutSet {
  /** Images of the held-out identities (their bytes); `pairs` index into them. */
  images: readonly KeyedImage[];
  pairs: readonly PairIndex[];
}

/** AUC/EER need both kinds of pair (a held-out set of one identity has no negatives). */
export function hasBothKinds(pairs: readonly { same: boolean }[]): boolean {
  return pairs.some((s) => s.same) && pairs.some((s) => !s.same);
}

/**
 * Scores `model` on the held-out pairs and on the explicit labelled pairs (`data.pairs`,
 * whose images are in `data.train`). `recalibrate` may replace the card's thresholds from the
 * held-out scores first (the new model is calibrated where production-like data is); the
 * accuracies are then taken at the recalibrated default threshold.
 */
export async function evaluateOnHeldOut(
  model: tf.LayersModel,
  card: ModelCard,
  heldOut: HeldOutSet,
  data: { train: readonly KeyedImage[]; pairs: readonly LabelledPair[] },
  recalibrate?: (scores: ScoredPair[], embeddings: Float32Array[]) => ModelCard,
): Promise<Evaluation> {
  // The card's preprocessing (face stage included) and inference options (flip averaging), exactly as the service will embed.
  const spec = scoringSpecOf(card);
  const pixelsOf = (imgs: readonly { bytes: Uint8Array }[]) =>
    Promise.all(imgs.map(async (i) => (await preprocessImage(i.bytes, card.preprocessing)).input));

  let out: Evaluation = { auc: null, eer: null, accuracy: null, pairAccuracy: null };
  let threshold = card.thresholds.default;
  if (hasBothKinds(heldOut.pairs)) {
    const v = scoreVerification(model, await pixelsOf(heldOut.images), heldOut.pairs, spec);
    if (recalibrate) threshold = recalibrate(v.scores, v.embeddings).thresholds.default;
    out = { auc: v.auc, eer: v.eer, accuracy: accuracyAt(v.scores, threshold), pairAccuracy: null };
  }
  if (data.pairs.length > 0) {
    const byKey = new Map(data.train.map((i) => [i.key, i]));
    const keys = [...new Set(data.pairs.flatMap((q) => [q.a, q.b]))].filter((k) => byKey.has(k));
    const emb = embedPixels(model, await pixelsOf(keys.map((k) => byKey.get(k)!)), spec.shape, spec.batchSize, spec.inference);
    const at = new Map(keys.map((k, i) => [k, emb[i]]));
    let right = 0;
    let n = 0;
    for (const q of data.pairs) {
      const a = at.get(q.a);
      const b = at.get(q.b);
      if (!a || !b) continue;
      n++;
      if (distance(a, b, card.metric) <= threshold === q.same) right++;
    }
    out.pairAccuracy = n > 0 ? right / n : null;
  }
  return out;
}

/** The run metrics' score of one model (null when the held-out set could not be scored). */
export function modelScore(e: Evaluation, version: string): ModelScore | null {
  return e.auc === null ? null : { version, auc: e.auc, eer: e.eer!, accuracy: e.accuracy, labelledPairAccuracy: e.pairAccuracy };
}
