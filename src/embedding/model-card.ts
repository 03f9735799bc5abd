import type { Metric } from '../metric/metric';
import type { TestTimeView } from './preprocess/test-time-views';

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
  /**
   * Fixed test-time views (small rotations, scales, shears about the centre) whose embeddings are summed with the
   * plain one before normalisation: e(x) = normalise(f(x) + Σ_v f(W_v x)). Absent = a single view, as in every card
   * before session 35. See preprocess/test-time-views.ts.
   */
  testTimeViews?: TestTimeView[];
  /**
   * Face stage (detect → 68 landmarks → similarity alignment → crop), run before
   * the fit/normalise steps by every path (train, eval, serve, retrain). Absent =
   * the whole image is fitted as before. See src/embedding/faces/README.md.
   */
  face?: FaceStageSpec;
  /**
   * 'ink': crop to the ink before fitting, for scans of strokes on paper (signatures):
   * paper level removed, the ink's bounding box (specks ignored) plus a margin,
   * stroke contrast normalised (preprocess/ink-crop.ts). Fit 'contain' then keeps
   * the aspect. Absent = the whole image is fitted, as in every card before it.
   */
  crop?: 'ink';
  /**
   * With crop 'ink' only. 'equalize': after the fit, every image's ink tones are equalised to one distribution
   * (preprocess/ink-tone.ts), so the encoder cannot tell scans apart by their pen or scanner's tone curve.
   * Absent = the tones the ink crop leaves (every card before session 25).
   */
  inkTone?: 'equalize';
  /**
   * With crop 'ink' only. 'close3': after the fit and before the tone equalisation, the ink's gaps of up to 2 pixels
   * closed (preprocess/ink-mend.ts), so the encoder cannot read how much a pen's stroke breaks up (session 39).
   * Absent = the ink as the crop and fit leave it (every card before session 39).
   */
  inkMend?: 'close3';
}

/** A point in the aligned crop, in pixels of the encoder input (x right, y down). */
export type TemplatePoint = [number, number];

export interface FaceStageSpec {
  /** face-api detector: 'tiny' (Tiny Face Detector, fast) or 'ssd' (SSD MobileNet v1, slower, finds more). */
  detector: 'tiny' | 'ssd';
  /** Second detector tried when the first finds nothing (absent = none). */
  fallbackDetector?: 'tiny' | 'ssd';
  /** Detection score threshold in [0, 1]. */
  minScore: number;
  /** Tiny detector input size (multiple of 32). */
  tinyInputSize?: number;
  /** Which face to use when there are several. */
  select: 'largest';
  /**
   * Canonical positions of [left eye centre, right eye centre, nose tip, left
   * mouth corner, right mouth corner] (image left/right) in the width×height
   * crop; a least-squares similarity transform maps the detected points onto them.
   */
  template: TemplatePoint[];
  /** Photos are shrunk on load so their longer side is at most this before detection. */
  maxSide: number;
  /**
   * When nothing is found, the image is padded by this fraction of its size on
   * every side (edge pixels replicated) and detection runs again: tight crops
   * such as ORL's fill the frame, which detectors trained on scenes miss.
   */
  padRetry: number;
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
  /**
   * verifyIdentity's thresholds (absent on older cards): the questioned image's distance to the
   * centroid of R enrolled references of an identity, calibrated on the validation identities with
   * the same rule as `default`; ascending by `references` (R ≥ 2). See
   * src/training/calibration/reference-calibration.ts.
   */
  references?: ReferenceThreshold[];
  /**
   * verifyIdentity with negatives labelled for the identity (absent unless the validation identities have
   * skilled forgeries): the offset of the per-identity threshold ½·(s + f) + offset for R references and K
   * labelled negatives, ascending by (references, labelled). See src/metric/labelled-threshold.ts and
   * src/training/calibration/labelled-calibration.ts.
   */
  labelled?: LabelledThreshold[];
  /**
   * verifyIdentity's rule SPREAD (absent: CENTROID): β in (0, 1]. The score is d(q, c_R) − β·s, s the
   * references' leave-one-out spread, and `references` are calibrated on that score, so the service reads
   * d(q, c_R) against the identity's own threshold t_R + β·s. See src/metric/spread-threshold.ts.
   */
  referenceShift?: number;
}

/**
 * verifyIdentity's calibration for R references and K labelled negatives of the identity: auc and eer of the
 * score d(q, c_R) − ½·(s + f) (the offset is calibrated on it), far and frr of the served decision
 * d ≤ min(t_R, ½·(s + f) + offset).
 */
export interface LabelledThreshold extends CalibrationRates {
  references: number;
  /** K: negatives labelled for the identity (skilled forgeries in calibration). */
  labelled: number;
  /** Added to the midpoint ½·(s + f); a distance, of either sign. */
  offset: number;
}

/** Validation rates of one verifyIdentity calibration (what each field measures: the extending type says). */
export interface CalibrationRates {
  auc: number;
  eer: number;
  far: number;
  frr: number;
  positivePairs: number;
  negativePairs: number;
}

/**
 * verifyIdentity's calibration for R references (validation identities, seeded draws of the references):
 * auc and eer of centroid distances with R references, far and frr at `threshold`.
 */
export interface ReferenceThreshold extends CalibrationRates {
  references: number;
  threshold: number;
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
    /** Images in which the face stage found no face (left out of training and validation). */
    facelessDropped?: number;
  };
  hyperparameters: Record<string, unknown>;
  seed: number;
  training: {
    wallTimeSec: number;
    steps: number;
    epochs: number;
    bestEpoch: number;
    backend: string;
    machine?: string;
    /** With --max-minutes: whether the budget bound and steered the schedule (the run is then not bit-reproducible). */
    budgetBound?: boolean;
  };
  /** sha256 of the weight bytes in manifest order. */
  fingerprint: string;
  commands: { train: string; evaluate: string[] };
  notes?: string;
  /**
   * What training found wrong with the run, in sentences (src/training/training-warnings.ts):
   * too few validation identities, a collapsed embedding. Absent when there was nothing to say.
   * Informational only: loading never refuses a model for it (modelCardProblems ignores it).
   */
  warnings?: string[];
  /**
   * What the model is for and not for, in words a buyer reads: the photos it
   * expects, what it was trained and calibrated on, measured numbers with their
   * intervals and commands, known failure modes (written by
   * `node scripts/set-intended-use.js MODEL_DIR FILE.json`; weights untouched).
   */
  intendedUse?: IntendedUse;
}

export interface IntendedUse {
  summary: string;
  intendedFor: string[];
  notFor: string[];
  photos: string;
  trainedOn: string;
  calibratedOn: string;
  measured: Array<{ what: string; value: string; ci95?: string; command: string }>;
  failureModes: string[];
}

/**
 * thresholds.references: R integers ≥ 2 strictly ascending (verifyIdentity picks by R), thresholds finite
 * distances in [0, 2] where distances are bounded (as `default`), and the rates the API serves as non-null
 * floats finite in [0, 1].
 */
function referenceThresholdProblems(refs: unknown, bounded: boolean, finite: (v: unknown) => v is number): string[] {
  if (!Array.isArray(refs)) return ['thresholds.references must be an array of { references, threshold, … }'];
  const problems: string[] = [];
  refs.forEach((r: Partial<ReferenceThreshold> | null, i) => {
    const at = `thresholds.references[${i}]`;
    if (!r || !Number.isInteger(r.references) || (r.references as number) < 2)
      problems.push(`${at}.references must be an integer ≥ 2 (got ${JSON.stringify(r?.references)})`);
    else if (i > 0 && (r.references as number) <= (refs[i - 1]?.references as number))
      problems.push(`thresholds.references must ascend by references (entry ${i}: ${r.references})`);
    if (!r || !finite(r.threshold) || r.threshold < 0 || (bounded && r.threshold > 2))
      problems.push(`${at}.threshold must be a finite distance ≥ 0${bounded ? ' and ≤ 2' : ''} (got ${JSON.stringify(r?.threshold)})`);
    for (const k of ['auc', 'eer', 'far', 'frr'] as const) {
      const v = r?.[k];
      if (!finite(v) || v < 0 || v > 1) problems.push(`${at}.${k} must be a rate in [0, 1] (got ${JSON.stringify(v)})`);
    }
  });
  return problems;
}

/**
 * thresholds.labelled: R ≥ 2 and K ≥ 1 integers, strictly ascending by (R, K); offsets finite (within ±2
 * where distances are bounded); rates in [0, 1].
 */
function labelledThresholdProblems(entries: unknown, bounded: boolean, finite: (v: unknown) => v is number): string[] {
  if (!Array.isArray(entries)) return ['thresholds.labelled must be an array of { references, labelled, offset, … }'];
  const problems: string[] = [];
  const rank = (e: Partial<LabelledThreshold> | null | undefined) => (e?.references ?? 0) * 1e6 + (e?.labelled ?? 0);
  entries.forEach((e: Partial<LabelledThreshold> | null, i) => {
    const at = `thresholds.labelled[${i}]`;
    if (!e || !Number.isInteger(e.references) || (e.references as number) < 2)
      problems.push(`${at}.references must be an integer ≥ 2 (got ${JSON.stringify(e?.references)})`);
    if (!e || !Number.isInteger(e.labelled) || (e.labelled as number) < 1)
      problems.push(`${at}.labelled must be an integer ≥ 1 (got ${JSON.stringify(e?.labelled)})`);
    if (i > 0 && rank(e) <= rank(entries[i - 1])) problems.push(`thresholds.labelled must ascend by (references, labelled) (entry ${i})`);
    if (!e || !finite(e.offset) || (bounded && Math.abs(e.offset) > 2))
      problems.push(`${at}.offset must be a finite distance${bounded ? ' within ±2' : ''} (got ${JSON.stringify(e?.offset)})`);
    for (const k of ['auc', 'eer', 'far', 'frr'] as const) {
      const v = e?.[k];
      if (!finite(v) || v < 0 || v > 1) problems.push(`${at}.${k} must be a rate in [0, 1] (got ${JSON.stringify(v)})`);
    }
  });
  return problems;
}

/**
 * The card fields a server relies on, checked when a model is loaded, so that a
 * broken card refuses the model (MODEL_INCOMPATIBLE at start, at activateModel and
 * at a retraining promotion) instead of a server whose /healthz says ok while every
 * verify fails or silently answers `match: false`. Returns the problems, [] when
 * the card is usable. The preprocessing block is checked by validatePreprocessSpec
 * and the input size against the weights by loadModelDir (model-store.ts).
 *
 * Thresholds are distances (src/metric/metric.ts: a pair matches when d ≤ t).
 * A default below 0 matches nothing; cosine distance lies in [0, 2], and so does
 * the euclidean distance of L2-normalised embeddings, so a default above 2 there
 * matches everything. The other calibrated thresholds are informational (shown by
 * `model`), so only finiteness is required of them.
 */
export function modelCardProblems(card: ModelCard): string[] {
  const problems: string[] = [];
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (typeof card.version !== 'string' || card.version.trim() === '') problems.push('version must be a non-empty string');
  if (card.metric !== 'euclidean' && card.metric !== 'cosine')
    problems.push(`metric must be euclidean or cosine (got ${JSON.stringify(card.metric)})`);
  const dim = card.architecture?.embeddingDim;
  if (!Number.isInteger(dim) || dim < 1) problems.push(`architecture.embeddingDim must be a positive integer (got ${JSON.stringify(dim)})`);
  const t = card.thresholds as Partial<Thresholds> | undefined;
  if (!t || typeof t !== 'object') {
    problems.push('thresholds are missing');
  } else {
    const bounded = card.metric === 'cosine' || card.architecture?.l2Normalize === true;
    if (!finite(t.default) || t.default < 0) {
      problems.push(`thresholds.default must be a finite distance ≥ 0 (got ${JSON.stringify(t.default)}): a negative one matches no pair`);
    } else if (bounded && t.default > 2) {
      problems.push(
        `thresholds.default ${t.default} exceeds 2, the largest ${card.metric} distance of these embeddings: it matches every pair`,
      );
    }
    for (const k of ['eer', 'maxAccuracy', 'atTargetFar'] as const) {
      if (!finite(t[k])) problems.push(`thresholds.${k} must be a finite number (got ${JSON.stringify(t[k])})`);
    }
    if (!finite(t.targetFar) || t.targetFar <= 0 || t.targetFar > 1)
      problems.push(`thresholds.targetFar must be in (0, 1] (got ${JSON.stringify(t.targetFar)})`);
    if (!['eer', 'maxAccuracy', 'atTargetFar'].includes(t.defaultRule as string))
      problems.push(`thresholds.defaultRule must be eer, maxAccuracy or atTargetFar (got ${JSON.stringify(t.defaultRule)})`);
    if (t.references !== undefined) problems.push(...referenceThresholdProblems(t.references, bounded, finite));
    if (t.labelled !== undefined) problems.push(...labelledThresholdProblems(t.labelled, bounded, finite));
    if (t.referenceShift !== undefined && (!finite(t.referenceShift) || t.referenceShift <= 0 || t.referenceShift > 1))
      problems.push(`thresholds.referenceShift must be in (0, 1] (got ${JSON.stringify(t.referenceShift)})`);
  }
  // The ROC feeds the open-set threshold of searchSimilar (services/open-set-threshold.ts).
  if (!Array.isArray(card.roc)) {
    problems.push('roc must be an array of { threshold, far, tar }');
  } else {
    const bad = card.roc.findIndex(
      (p) => !p || !finite(p.threshold) || !finite(p.far) || !finite(p.tar) || p.far < 0 || p.far > 1 || p.tar < 0 || p.tar > 1,
    );
    if (bad >= 0) problems.push(`roc[${bad}] must have a finite threshold and far, tar in [0, 1]`);
  }
  if (!card.validation || typeof card.validation !== 'object') problems.push('validation metrics are missing');
  return problems;
}
