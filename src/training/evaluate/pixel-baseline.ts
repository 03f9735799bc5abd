/**
 * The pixel baseline (issue 17): the same verification pairs a model is scored
 * on, scored instead by comparing the preprocessed input tensors themselves —
 * the exact HWC Float32Arrays the encoder receives (size, channels,
 * normalisation and, for face models, the aligned crop). Two distances:
 *
 *   pixelEuclidean: d(a, b) = ‖a − b‖₂
 *   pixelCosine:    d(a, b) = 1 − a·b / (‖a‖·‖b‖)   (metric.ts; a zero image is at distance 1 from all)
 *
 * An encoder that cannot beat this has learnt nothing the raw pixels did not
 * already say, and its user must hear it (the card's `warnings`, `siamese train`
 * and `siamese eval`). Plain loops over Float32Arrays: no tensors are made, so
 * nothing can leak, and the numbers do not depend on the backend.
 */
import type { RocPoint } from '../../embedding/model-card';
import { cosineDistance, euclideanDistance, type Metric } from '../../metric/metric';
import { auc, computeRoc, downsampleRoc, equalErrorRate, type ScoredPair } from '../calibration/roc';
import type { PairIndex } from './embed';

export interface BaselineMetrics {
  auc: number;
  eer: number;
  /** The ROC, downsampled (for the plot beside the model's curve). */
  roc?: RocPoint[];
}

export interface PixelBaseline {
  pixelEuclidean: BaselineMetrics;
  pixelCosine: BaselineMetrics;
}

export type BaselineName = keyof PixelBaseline;

export const BASELINE_METRIC: Record<BaselineName, Metric> = { pixelEuclidean: 'euclidean', pixelCosine: 'cosine' };

/** Points kept of each baseline ROC in a card (the model's own keeps 200). */
const BASELINE_ROC_POINTS = 60;

/** The (distance, same) of every pair under both pixel distances, in the order of `pairs`. */
export function pixelPairScores(
  pixels: readonly Float32Array[],
  pairs: readonly PairIndex[],
): { euclidean: ScoredPair[]; cosine: ScoredPair[] } {
  const euclidean: ScoredPair[] = [];
  const cosine: ScoredPair[] = [];
  for (const p of pairs) {
    euclidean.push({ distance: euclideanDistance(pixels[p.a], pixels[p.b]), same: p.same });
    cosine.push({ distance: cosineDistance(pixels[p.a], pixels[p.b]), same: p.same });
  }
  return { euclidean, cosine };
}

function metricsOf(scores: readonly ScoredPair[], rocPoints: number): BaselineMetrics {
  const roc = computeRoc(scores);
  const out: BaselineMetrics = { auc: auc(roc), eer: equalErrorRate(roc).eer };
  if (rocPoints > 0) out.roc = downsampleRoc(roc.points, rocPoints);
  return out;
}

/** AUC and EER of both pixel distances on these pairs (needs a same and a different pair). `rocPoints` 0: no ROC. */
export function pixelBaseline(
  pixels: readonly Float32Array[],
  pairs: readonly PairIndex[],
  options: { rocPoints?: number } = {},
): PixelBaseline {
  const { euclidean, cosine } = pixelPairScores(pixels, pairs);
  const points = options.rocPoints ?? BASELINE_ROC_POINTS;
  return { pixelEuclidean: metricsOf(euclidean, points), pixelCosine: metricsOf(cosine, points) };
}

/** The stronger of the two (higher AUC; cosine on a tie, as it ignores global brightness). */
export function bestBaseline(b: PixelBaseline): { name: BaselineName; metric: Metric; auc: number; eer: number } {
  const name: BaselineName = b.pixelEuclidean.auc > b.pixelCosine.auc ? 'pixelEuclidean' : 'pixelCosine';
  return { name, metric: BASELINE_METRIC[name], auc: b[name].auc, eer: b[name].eer };
}

/** The baseline without its ROC points (for printing and JSON lines). */
export function baselineSummary(b: PixelBaseline): Record<BaselineName, { auc: number; eer: number }> {
  return {
    pixelEuclidean: { auc: b.pixelEuclidean.auc, eer: b.pixelEuclidean.eer },
    pixelCosine: { auc: b.pixelCosine.auc, eer: b.pixelCosine.eer },
  };
}

/**
 * Whether the model fails to beat raw pixels: its AUC does not exceed the best
 * pixel AUC on the same pairs. The one exception is a tie at AUC 1 (both
 * separate every pair): such pairs cannot rank the two, and saying "does not
 * beat" would only be noise.
 */
export function beatenByPixels(model: { auc: number }, baseline: PixelBaseline): boolean {
  const best = bestBaseline(baseline);
  return model.auc <= best.auc && !(model.auc === 1 && best.auc === 1);
}

/**
 * The loud sentence when the model does not beat the best pixel baseline on
 * the same pairs (beatenByPixels; `where`: "validation", "these pairs"…);
 * undefined when it does.
 */
export function baselineWarning(model: { auc: number; eer: number }, baseline: PixelBaseline, where: string): string | undefined {
  const best = bestBaseline(baseline);
  if (!beatenByPixels(model, baseline)) return undefined;
  const label = best.name === 'pixelCosine' ? 'cosine' : 'Euclidean';
  return (
    `the model does not beat raw pixels on ${where}: model AUC ${fmtAuc(model.auc)} (EER ${fmtPct(model.eer)}) ` +
    `vs pixel ${label} AUC ${fmtAuc(best.auc)} (EER ${fmtPct(best.eer)}) on the same pairs; ` +
    'comparing the preprocessed images directly would serve better: train longer, with more identities or stronger augmentation, or try --recipe auto'
  );
}

function fmtAuc(x: number): string {
  return x.toFixed(4);
}

function fmtPct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
