import type { Metric } from '../metric/metric';

/**
 * The model card: everything a server needs to use a model correctly, and
 * everything a person needs to trust it. Saved as `model-card.json` beside the
 * tfjs LayersModel (`model.json` + weights) and `roc.svg`.
 *
 * Contract between training (writes it), embedding (reads preprocessing and
 * architecture) and services (read metric, thresholds, fingerprint).
 */
export interface PreprocessSpec {
  /** Input tensor size fed to the encoder. */
  width: number;
  height: number;
  channels: 1 | 3;
  /**
   * 'unit': pixel/255 in [0,1]. 'invert-unit': 1 − pixel/255 (ink = 1: for
   * strokes on white such as Omniglot and signatures). 'standard': (pixel/255 − mean)/std.
   */
  normalize: 'unit' | 'invert-unit' | 'standard';
  mean?: number[];
  std?: number[];
  /** How the image is fitted to width×height: 'fill' stretches, 'contain' letterboxes, 'cover' crops. */
  fit: 'fill' | 'contain' | 'cover';
  /**
   * Flip test-time augmentation: embedding = L2(f(x) + f(mirror x)) (×½ without
   * L2). Absent/false in older cards = a single view. See preprocess/flip-average.ts.
   */
  flipAverage?: boolean;
}

export type NormLayer = 'none' | 'batch' | 'group' | 'instance';

export interface ArchitectureSpec {
  backbone: string;
  embeddingDim: number;
  normalization: NormLayer;
  /** Whether the encoder ends with an L2-normalisation layer. */
  l2Normalize: boolean;
  /** Backbone-specific knobs (widths, blocks, dropout…). */
  params?: Record<string, unknown>;
}

export interface Thresholds {
  /** Distance at the equal-error-rate point of the validation ROC. */
  eer: number;
  /** Distance that maximises accuracy on the validation pairs. */
  maxAccuracy: number;
  /** Distance at the target false-accept rate (see targetFar). */
  atTargetFar: number;
  targetFar: number;
  /** The threshold the server uses by default (one of the above). */
  default: number;
  defaultRule: 'eer' | 'maxAccuracy' | 'atTargetFar';
}

export interface RocPoint {
  threshold: number;
  far: number;
  tar: number;
}

export interface VerificationMetrics {
  auc: number;
  eer: number;
  accuracyAtDefault?: number;
  tarAtFar1e2?: number;
  tarAtFar1e3?: number;
  positivePairs: number;
  negativePairs: number;
}

export interface ModelCard {
  formatVersion: 1;
  name: string;
  /** Model version id used by the service; defaults to the fingerprint's first 12 hex chars. */
  version: string;
  createdAt: string;
  architecture: ArchitectureSpec;
  preprocessing: PreprocessSpec;
  metric: Metric;
  thresholds: Thresholds;
  /** Validation ROC, downsampled to at most ~200 points. */
  roc: RocPoint[];
  validation: VerificationMetrics;
  /** Extra evaluations (e.g. one-shot accuracy, test-set verification) keyed by name. */
  evaluations?: Record<string, unknown>;
  data: {
    sources: string[];
    identities: number;
    images: number;
    trainIdentities: number;
    validationIdentities: number;
    /** Byte-identical images dropped before splitting (src/training/data/dedupe.ts). */
    duplicatesDropped?: number;
  };
  hyperparameters: Record<string, unknown>;
  seed: number;
  training: { wallTimeSec: number; steps: number; epochs: number; bestEpoch: number; backend: string; machine?: string };
  /** sha256 of the weight bytes in manifest order. */
  fingerprint: string;
  commands: { train: string; evaluate: string[] };
  notes?: string;
}
