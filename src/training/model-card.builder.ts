/**
 * The model card of a finished training run: what was trained on which data,
 * with which hyperparameters and history, how it scored, and the thresholds
 * calibrated for it. Complete except `fingerprint` and `version`, which saving
 * fills in (src/embedding/model-store.ts saveModelDir; see save-trained-model.ts).
 */
import * as os from 'node:os';
import type { ArchitectureSpec, ModelCard, PreprocessSpec } from '../embedding/model-card';
import type { Calibration } from './calibration/calibrate';
import type { TrainingData } from './data/training-data';
import { DEFAULT_PROTO_SCALE } from './losses';
import type { LoopResult } from './loop/training-loop';
import type { TrainOptions } from './train-options';
import { trainingWarnings } from './training-warnings';

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
}

export function buildTrainedModelCard(input: TrainedCardInput): ModelCard {
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
  });
  return {
    formatVersion: 1,
    name: options.name,
    version: '',
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
      superclassBatches: options.superclassBatches || undefined,
      epochs: options.epochs,
      maxSeconds: options.maxSeconds,
      stepsPerEpoch: loop.stepsPerEpoch,
      batchSize: options.batchSize,
      k: options.loss !== 'contrastive' ? loop.k : undefined,
      learningRate: options.learningRate,
      lrSchedule: options.lrSchedule ?? 'constant',
      optimizer: 'adam',
      augment: options.augment,
      valFraction: options.valFold ? undefined : options.valFraction,
      valFold: options.valFold ? `${options.valFold.index}/${options.valFold.count}` : undefined,
      splitSeed: data.splitSeed !== options.seed ? data.splitSeed : undefined,
      weightDecay: options.weightDecay || undefined,
      ema: options.ema || undefined,
      selectBy: options.selectBy ?? 'auc',
      explicitPairs: data.explicitPairs.length,
      warmStartFrom: options.from,
      history: loop.history.map((h) => ({ ...h, elapsedSec: +h.elapsedSec.toFixed(1), itemsPerSec: +h.itemsPerSec.toFixed(1) })),
    },
    seed: options.seed,
    training: {
      wallTimeSec: +input.wallTimeSec.toFixed(1),
      steps: loop.steps,
      epochs: loop.history.length,
      bestEpoch: loop.bestEpoch,
      backend: input.backend,
      machine: `${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'} (${os.platform()})`,
    },
    fingerprint: '',
    commands: options.commands ?? { train: '', evaluate: [] },
    notes: options.notes,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
