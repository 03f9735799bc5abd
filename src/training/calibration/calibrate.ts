/**
 * From validation scores to the model card's calibration: thresholds (EER,
 * max-accuracy, target FAR), metrics and a downsampled ROC. One function so
 * the trainer, the eval command and the retraining service agree.
 */
import type { RocPoint, Thresholds, VerificationMetrics } from '../../embedding/model-card';
import {
  accuracyAt,
  auc,
  computeRoc,
  downsampleRoc,
  equalErrorRate,
  maxAccuracyThreshold,
  tarAtFar,
  thresholdAtFar,
  type Roc,
  type ScoredPair,
} from './roc';

export interface Calibration {
  thresholds: Thresholds;
  metrics: VerificationMetrics;
  roc: RocPoint[];
  eerThreshold: number;
}

export interface CalibrateOptions {
  targetFar?: number;
  defaultRule?: Thresholds['defaultRule'];
  maxRocPoints?: number;
}

/** `roc` is computeRoc(scores), passed when the caller already has it (evaluate/verification-scoring.ts). */
export function calibrate(scores: readonly ScoredPair[], options: CalibrateOptions = {}, roc: Roc = computeRoc(scores)): Calibration {
  const targetFar = options.targetFar ?? 1e-2;
  const defaultRule = options.defaultRule ?? 'eer';
  const e = equalErrorRate(roc);
  const acc = maxAccuracyThreshold(roc);
  const atFar = thresholdAtFar(roc, targetFar);
  const thresholds: Thresholds = {
    eer: e.threshold,
    maxAccuracy: acc.threshold,
    atTargetFar: atFar.threshold,
    targetFar,
    default: defaultRule === 'eer' ? e.threshold : defaultRule === 'maxAccuracy' ? acc.threshold : atFar.threshold,
    defaultRule,
  };
  const metrics: VerificationMetrics = {
    auc: auc(roc),
    eer: e.eer,
    accuracyAtDefault: accuracyAt(scores, thresholds.default),
    tarAtFar1e2: tarAtFar(roc, 1e-2),
    tarAtFar1e3: tarAtFar(roc, 1e-3),
    positivePairs: roc.positives,
    negativePairs: roc.negatives,
  };
  return { thresholds, metrics, roc: downsampleRoc(roc.points, options.maxRocPoints ?? 200), eerThreshold: e.threshold };
}

/** Metrics of existing thresholds on new pairs (evaluation on held-out identities). */
export function verificationMetrics(scores: readonly ScoredPair[], threshold: number, roc: Roc = computeRoc(scores)): VerificationMetrics {
  return {
    auc: auc(roc),
    eer: equalErrorRate(roc).eer,
    accuracyAtDefault: accuracyAt(scores, threshold),
    tarAtFar1e2: tarAtFar(roc, 1e-2),
    tarAtFar1e3: tarAtFar(roc, 1e-3),
    positivePairs: roc.positives,
    negativePairs: roc.negatives,
  };
}
