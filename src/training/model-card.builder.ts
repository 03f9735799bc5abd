/**
 * The model card of a finished training run: what was trained on which data,
 * with which hyperparameters and history, how it scored, and the thresholds
 * calibrated for it. Complete except `fingerprint` and `version`, which saving
 * fills in (src/embedding/model-store.ts saveModelDir; see save-trained-model.ts).
 */
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import type { ArchitectureSpec, ModelCard, PreprocessSpec } from '../embedding/model-card';
import type { Calibration } from './calibration/calibrate';
import type { TrainingData } from './data/training-data';
import { DEFAULT_PROTO_SCALE } from './losses';
import { NEAREST_WRITER_DEFAULTS } from './loop/nearest-writers.refresh';
import type { LoopResult } from './loop/training-loop';
import type { TrainOptions } from './train-options';
import { trainingWarnings } from './training-warnings';
import type { PixelBaseline } from './evaluate/pixel-baseline';
import type { RecipeDecision, RecipeRecord } from './recipe/recipe.types';

/** --trunk-from, as the card records it (hyperparameters.trunkFrom). */
export interface TrunkOrigin {
  model: string;
  name: string;
  version: string;
  member?: number;
  memberName?: string;
  layers: number;
  parameters: number;
  /** --freeze-trunk-epochs: the first epochs trained the head alone (all of them when ≥ the run's epochs: a linear probe). */
  freezeEpochs?: number;
  /** --trunk-extend (rule DEEP): trunk layers after the copied ones that started fresh. */
  freshTrunkLayers?: number;
}

/** The card of a training run: a ModelCard plus the recipe that made it (issue 17). */
export type TrainedModelCard = ModelCard & { recipe?: RecipeRecord };

export interface TrainedCardInput {
  options: TrainOptions;
  /** The model's architecture and preprocessing (a warm start's, when `from` is set). */
  architecture: ArchitectureSpec;
  preprocessing: PreprocessSpec;
  sources: string[];
  data: TrainingData;
  loop: LoopResult;
  calibration: Calibration;
  backend: string;
  wallTimeSec: number;
  /** The validation pairs scored by raw pixels (evaluate/pixel-baseline.ts). */
  baseline?: PixelBaseline;
  /** --trunk-from: the trunk the encoder started from. */
  trunkFrom?: TrunkOrigin;
  /** Set when the trained encoder lost to the pixel baseline and the pixel feature was saved instead. */
  pixelFallback?: { decision: RecipeDecision; trained: { auc: number; eer: number } };
}

export function buildTrainedModelCard(input: TrainedCardInput): TrainedModelCard {
  const { options, data, loop, calibration } = input;
  // By epoch number: with epoch 0 (validateStart) history[i] is epoch i, not epoch i + 1.
  const bestInfo = loop.history.find((h) => h.epoch === loop.bestEpoch)!;
  // Issue 14: what the user must hear before serving this model (few validation people, a collapsed embedding).
  const warnings = trainingWarnings({
    validationIdentities: data.validation.identities.length,
    scoredOnTraining: data.scoredOnTraining,
    calibratedElsewhere: Boolean(options.calibrationScores),
    loss: options.loss,
    margin: options.margin,
    metric: options.metric,
    l2Normalize: input.architecture.l2Normalize,
    defaultThreshold: calibration.thresholds.default,
    history: loop.history,
    baseline: input.baseline,
    // The best epoch's numbers: measured on the very pairs the baseline scored.
    modelValidation: { auc: bestInfo.valAuc, eer: bestInfo.valEer },
    pixelFallback: input.pixelFallback,
  });
  const recipe: RecipeRecord | undefined =
    options.recipe || input.pixelFallback
      ? {
          name: options.recipe?.name ?? 'manual',
          decisions: [...(options.recipe?.decisions ?? []), ...(input.pixelFallback ? [input.pixelFallback.decision] : [])],
        }
      : undefined;
  return {
    formatVersion: 1,
    name: options.name,
    // A pixel feature has no weights, so its fingerprint (of the weight bytes) is the same for every such
    // model: the version says what it is and what it was calibrated as instead.
    version: input.pixelFallback ? pixelVersion(input.preprocessing, options.metric, calibration) : '',
    createdAt: new Date().toISOString(),
    architecture: input.architecture,
    preprocessing: input.preprocessing,
    metric: options.metric,
    thresholds: calibration.thresholds,
    roc: calibration.roc,
    validation: calibration.metrics,
    evaluations: {
      validation: {
        identities: data.scoredOn.identities.length,
        images: data.scoredOn.images.length,
        oneShotWays: options.oneShotWays ?? 20,
        oneShotAccuracy: bestInfo.valOneShot,
        // Which identities the per-epoch AUC/EER/one-shot above were measured on.
        scoredOn: data.scoredOnTraining ? 'training identities (no held-out split; optimistic)' : 'validation identities',
        // Issue 17: the same pairs scored by raw pixels; the trained encoder's own numbers when the pixel feature replaced it.
        ...(input.baseline ? { baseline: input.baseline } : {}),
        ...(input.pixelFallback ? { trainedEncoder: input.pixelFallback.trained } : {}),
        calibratedOn: options.calibrationScores
          ? options.calibrationScores.description
          : data.scoredOnTraining
            ? 'training identities (no validation split)'
            : 'validation identities',
      },
      ...(options.calibrationScores && !data.scoredOnTraining
        ? { heldOutValidation: { auc: bestInfo.valAuc, eer: bestInfo.valEer, oneShotAccuracy: bestInfo.valOneShot } }
        : {}),
    },
    data: {
      sources: input.sources,
      identities: data.train.identities.length + data.validation.identities.length,
      images: data.images.length,
      trainIdentities: data.train.identities.length,
      validationIdentities: data.validation.identities.length,
      ...(data.duplicatesDropped ? { duplicatesDropped: data.duplicatesDropped } : {}),
      ...(input.preprocessing.face ? { facelessDropped: data.facelessDropped } : {}),
    },
    hyperparameters: {
      loss: options.loss,
      margin: options.margin,
      mining: options.loss === 'triplet' ? options.mining : undefined,
      scale: options.loss === 'prototypical' ? (options.scale ?? DEFAULT_PROTO_SCALE) : undefined,
      rotateClasses: options.rotateClasses || undefined,
      mirrorClasses: options.mirrorClasses || undefined,
      superclassBatches: options.superclassBatches || undefined,
      epochs: options.epochs,
      maxSeconds: options.maxSeconds,
      stepsPerEpoch: loop.stepsPerEpoch,
      batchSize: options.batchSize,
      microBatch: loop.microBatch,
      k: options.loss !== 'contrastive' ? loop.k : undefined,
      learningRate: options.learningRate,
      lrSchedule: options.lrSchedule ?? 'constant',
      optimizer: 'adam',
      augment: options.augment,
      valFraction: options.valFold ? undefined : options.valFraction,
      valFold: options.valFold ? `${options.valFold.index}/${options.valFold.count}` : undefined,
      valSplit: !options.valFold && options.valSplit === 'superclass' ? 'superclass' : undefined,
      splitSeed: data.splitSeed !== options.seed ? data.splitSeed : undefined,
      weightDecay: options.weightDecay || undefined,
      ema: options.ema || undefined,
      selectBy: options.selectBy ?? 'auc',
      patience: options.patience || undefined,
      patienceFrom:
        options.patience && options.lrSchedule === 'cosine' && options.patienceFrom === 'half-anneal' ? options.patienceFrom : undefined,
      pixelFallback: options.pixelFallback || undefined,
      explicitPairs: data.explicitPairs.length,
      // The writer split of a signature model, so `siamese ensemble` can redraw its validation pairs.
      forgeries: options.forgeries
        ? {
            genuineFolder: options.forgeries.genuineFolder,
            forgedFolder: options.forgeries.forgedFolder,
            validationWriters: options.forgeries.validationWriters,
            forgeryShare: options.forgeries.forgeryShare ?? 0.5,
            ...(options.forgeries.hardWriterShare
              ? { hardWriterShare: options.forgeries.hardWriterShare, hardWriters: { ...NEAREST_WRITER_DEFAULTS } }
              : {}),
            ...(options.forgeries.syntheticWriters
              ? { syntheticWriters: options.forgeries.syntheticWriters, syntheticSeed: options.forgeries.syntheticSeed ?? options.seed }
              : {}),
          }
        : undefined,
      warmStartFrom: options.from,
      trunkFrom: input.trunkFrom,
      history: loop.history.map((h) => ({ ...h, elapsedSec: +h.elapsedSec.toFixed(1), itemsPerSec: +h.itemsPerSec.toFixed(1) })),
    },
    seed: options.seed,
    training: {
      wallTimeSec: +input.wallTimeSec.toFixed(1),
      steps: loop.steps,
      epochs: loop.history.length,
      bestEpoch: loop.bestEpoch,
      // Whether --max-minutes bound and steered the schedule (the run is then not bit-reproducible).
      budgetBound: options.maxSeconds ? loop.budgetBound : undefined,
      backend: input.backend,
      machine: `${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'} (${os.platform()})`,
    },
    fingerprint: '',
    commands: options.commands ?? { train: '', evaluate: [] },
    notes: options.notes,
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(recipe ? { recipe } : {}),
  };
}

function pixelVersion(preprocessing: PreprocessSpec, metric: string, calibration: Calibration): string {
  const digest = createHash('sha256')
    .update(JSON.stringify({ preprocessing, metric, thresholds: calibration.thresholds }))
    .digest('hex');
  return `pixel-${digest.slice(0, 12)}`;
}
