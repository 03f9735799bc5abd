/**
 * Writes a trained model as a complete model directory: tfjs LayersModel,
 * `model-card.json` (fingerprint and version filled in by the model store),
 * `roc.svg` drawn from the card's validation ROC and, when the card has a
 * per-epoch history, `learning-curve.svg`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelCard } from '../embedding/model-card';
import { saveModelDir } from '../embedding/model-store';
import { rocSvg, type RocCurve } from './calibration/roc-svg';
import type { PixelBaseline } from './evaluate/pixel-baseline';
import { learningCurveSvg } from './plots/learning-curve-svg';

export function rocSvgForCard(card: ModelCard, subtitle = 'validation'): string {
  return rocSvg(card.roc, {
    title: `${card.name}: ROC on ${subtitle} pairs`,
    auc: card.validation.auc,
    eer: card.validation.eer,
    eerThreshold: card.thresholds.eer,
    modelLabel: `model (AUC ${card.validation.auc.toFixed(4)})`,
    curves: baselineCurves(card),
  });
}

/** The pixel baseline's ROC curves stored in the card (issue 17), for the plot; none in older cards. */
export function baselineCurves(card: ModelCard): RocCurve[] {
  const baseline = (card.evaluations?.validation as { baseline?: Partial<PixelBaseline> } | undefined)?.baseline;
  const out: RocCurve[] = [];
  for (const [name, label] of [
    ['pixelEuclidean', 'pixels, Euclidean'],
    ['pixelCosine', 'pixels, cosine'],
  ] as const) {
    const b = baseline?.[name];
    if (b?.roc?.length) out.push({ label: `${label} (AUC ${b.auc.toFixed(4)})`, points: b.roc });
  }
  return out;
}

export async function saveTrainedModel(dir: string, model: tf.LayersModel, card: ModelCard): Promise<ModelCard> {
  const curve = learningCurveSvg(card);
  return saveModelDir(dir, model, card, { 'roc.svg': rocSvgForCard(card), ...(curve ? { 'learning-curve.svg': curve } : {}) });
}
