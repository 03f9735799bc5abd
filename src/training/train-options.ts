/**
 * What `train()` takes and reports: the options of one training run, the
 * per-step and per-epoch progress, the hooks and the result. Shared by the CLI
 * (`siamese train`) and the service's retraining worker.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ArchitectureSpec, ModelCard, PreprocessSpec, Thresholds } from '../embedding/model-card';
import type { BackendPreference } from '../embedding/backend';
import type { Metric } from '../metric/metric';
import type { AugmentOptions, AugmentPreset } from './augment/affine.augment';
import type { Calibration } from './calibration/calibrate';
import type { ScoredPair } from './calibration/roc';
import type { Fold } from './evaluate/folds';
import type { LossKind, Mining } from './losses';
import type { ForgeryLayout } from './data/forgery-data';
import type { ValidationSplitKind } from './data/split';
import type { RecipeRecord } from './recipe/recipe.types';

export type { LossKind } from './losses';

export interface TrainOptions {
  name: string;
  architecture: ArchitectureSpec;
  preprocessing: PreprocessSpec;
  metric: Metric;
  loss: LossKind;
  margin: number;
  /** Triplet mining mode (ignored by contrastive). */
  mining: Mining;
  /** Prototypical loss: inverse temperature on negative squared distances (default 10). */
  scale?: number;
  /**
   * Add 90°/180°/270° rotated copies of every training identity as new identities
   * (characters: a rotated glyph is another glyph; non-square inputs get 180° only).
   * With `forgeries`, each training writer turned by 180° (its forgeries too) is a new
   * writer (data/rotated-writers.ts), never 90°. Validation is untouched.
   */
  rotateClasses?: boolean;
  /**
   * Add a left-right mirrored copy of every training identity (after rotation,
   * if any) as a new identity: b and d are different glyphs. With `forgeries`, each
   * training writer's mirror (its forgeries mirrored too) is a new writer
   * (data/mirrored-writers.ts), half-turned ones included. Validation is untouched.
   */
  mirrorClasses?: boolean;
  /**
   * Share of P×K batches drawn from one superclass: the identity's parent
   * folder, e.g. an Omniglot alphabet (rotated copies form their own). Default 0.
   */
  superclassBatches?: number;
  epochs: number;
  /**
   * Wall-clock budget for the optimisation loop (seconds). Training stops at the
   * budget (the current epoch is cut short and still validated). Once the budget
   * binds (checked at epoch ends and every ~1/40 of the steps: the run, at its
   * pace so far, would not finish its steps in time) the cosine schedule follows
   * max(step progress, time progress), so it ends annealed; until then the step
   * count's alone, so a run whose budget never binds is reproducible.
   */
  maxSeconds?: number;
  /** Steps per epoch; default ⌈training images / images per step⌉. */
  stepsPerEpoch?: number;
  /** Validate the starting weights as epoch 0 (default: for the pretrained face-resnet29 backbone). */
  validateStart?: boolean;
  /** Contrastive: pairs per step. Triplet: images per step (P×K with K = `k`). */
  batchSize: number;
  /**
   * Contrastive: pairs per pass through the gradient tape; the step still uses all `batchSize` pairs (their
   * gradients summed: loop/micro-batch.ts, loop/train-step.ts). Absent: chosen so a step fits the wasm heap.
   */
  microBatch?: number;
  /** Images per identity in a triplet batch (default 4). */
  k?: number;
  learningRate: number;
  /** 'cosine' decays the learning rate to 1% over the run (default 'constant'). */
  lrSchedule?: 'constant' | 'cosine';
  augment: AugmentPreset | AugmentOptions | null;
  /** Share of identities held out for validation (identity-disjoint). */
  valFraction: number;
  /**
   * 'superclass': `valFraction` is met with whole parent folders (e.g. Omniglot
   * alphabets), so validation scores classes from groups never trained on
   * (data/split.ts). Default 'identity'.
   */
  valSplit?: ValidationSplitKind;
  /** Validate on k-fold fold `index` of `count` over identities instead of a seeded `valFraction` split (see evaluate/folds.ts). */
  valFold?: Fold;
  /**
   * Flip test-time augmentation as part of the model (card `preprocessing.flipAverage`):
   * validation, calibration, eval and the service all embed L2(f(x) + f(mirror x)).
   */
  flipAverage?: boolean;
  /**
   * Decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay
   * Regularization", ICLR 2019): after each Adam step every conv/dense kernel
   * w ← w · (1 − lr_t · λ). Biases are not decayed. 0/absent: off.
   */
  weightDecay?: number;
  /**
   * Exponential moving average of the weights (Polyak & Juditsky 1992; as in
   * TF's ExponentialMovingAverage): after each step ŵ ← d_t·ŵ + (1 − d_t)·w with
   * d_t = min(ema, (1 + t)/(10 + t)). Validation, checkpoint choice and the saved
   * model use ŵ; training continues from w. On small data the per-epoch
   * validation scores of the raw weights swing by several EER points; the
   * average is a smoother, usually better model. 0/absent: off.
   */
  ema?: number;
  /**
   * Calibrate the card's thresholds on these scored pairs instead of the best
   * epoch's validation pairs — e.g. out-of-fold validation scores of k-fold
   * runs, for a final model trained on all identities (no held-out split, so
   * its own "validation" would be its training identities: optimistic).
   */
  calibrationScores?: { scores: ScoredPair[]; description: string };
  /** Cap on validation negatives (all positives are used). Default 20,000. */
  maxValNegatives?: number;
  /** Which validation number picks the best epoch; 'last' keeps the final epoch (a fixed, CV-chosen length). Default 'auc'. */
  selectBy?: 'auc' | 'eer' | 'oneshot' | 'last';
  /** Ways of the validation one-shot score (default 20). */
  oneShotWays?: number;
  targetFar?: number;
  thresholdRule?: Thresholds['defaultRule'];
  seed: number;
  /**
   * Seed of the train/validation split and of the validation pairs and episodes
   * (default: `seed`). Fixing it while varying `seed` trains ensemble members that
   * differ in weights and sampling but share validation identities.
   */
  splitSeed?: number;
  /** tfjs backend preference passed to initBackend (default 'auto': best available). */
  backend?: BackendPreference;
  /** Warm start from this model directory (fine-tuning): its architecture and preprocessing win. */
  from?: string;
  /**
   * Transfer learning across input sizes: a fresh encoder of `architecture` and
   * `preprocessing` whose trunk (every weighted layer before the embedding head)
   * is copied from this model, or from member `member` of an ensemble
   * (embedding/backbones/trunk-transfer.ts). Not with `from`. `freezeEpochs`: the first
   * N epochs train the fresh head alone, later ones every layer (loop/trunk-freeze.ts).
   */
  trunkFrom?: {
    model: string;
    member?: number;
    freezeEpochs?: number;
    /** --trunk-extend: the new encoder adds blocks after the source's (rule DEEP). */ extend?: boolean;
  };
  /**
   * Skilled forgeries (signatures, issue 17): WRITER/genuine + WRITER/forged folders,
   * split by writer from a fixed validation list, forgeries as the hard negatives of
   * contrastive training and of validation (data/forgery-data.ts).
   */
  forgeries?: ForgeryLayout;
  /**
   * Early stopping (issue 17): stop when this many validated epochs in a row did
   * not improve the selection score; the best epoch is kept as always. Absent/0: off.
   */
  patience?: number;
  /**
   * Session 18 (docs/experiments/auto-recipe-length/RULE-2.md): 'half-anneal' counts the patience only from
   * the first validation at which a cosine schedule is half done, so noise at a high learning rate cannot end
   * the run before it anneals. Default 'start' (count from the first validation). Ignored without a cosine schedule.
   */
  patienceFrom?: 'start' | 'half-anneal';
  /**
   * Issue 17: when the trained encoder's validation AUC does not exceed the best
   * pixel baseline's (evaluate/pixel-baseline.ts), save the pixel feature
   * (recipe/pixel-encoder.ts) with the baseline's metric instead, and say so in
   * the card. Default off (the card then only warns).
   */
  pixelFallback?: boolean;
  /** The recipe's decisions, copied into the card (`recipe`). */
  recipe?: RecipeRecord;
  /** Commands for the card ("how to retrain", "how to reproduce the metrics"). */
  commands?: ModelCard['commands'];
  notes?: string;
}

export interface StepInfo {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  /** Triplet: share of mined triplets with positive loss. Prototypical: share of images misclassified. */
  activeFraction?: number;
  /** Pairs (contrastive) or images (triplet) per second, over the run so far. */
  itemsPerSec: number;
  itemLabel: 'pairs' | 'images';
  elapsedSec: number;
  etaSec: number;
  learningRate: number;
}

export interface EpochInfo {
  epoch: number;
  step: number;
  loss: number;
  activeFraction?: number;
  valAuc: number;
  valEer: number;
  valOneShot?: number;
  best: boolean;
  elapsedSec: number;
  itemsPerSec: number;
}

export interface TrainHooks {
  /** Face stage progress over the dataset (detect + align every image once), before training starts. */
  onPrepare?(done: number, total: number): void;
  onStep?(info: StepInfo): void;
  onEpoch?(info: EpochInfo): void;
  onLog?(message: string): void;
  signal?: AbortSignal;
}

export interface TrainResult {
  model: tf.LayersModel;
  /** Complete except `fingerprint`/`version`, which saving fills in. */
  card: ModelCard;
  history: EpochInfo[];
  calibration: Calibration;
  validationScores: ScoredPair[];
}
