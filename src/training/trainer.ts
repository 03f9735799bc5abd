/**
 * The training run shared by `siamese train` and the service's retraining
 * worker: `train(options, source, hooks)` → { model, card, history }.
 *
 * Siamese = one encoder, one set of variables, applied to every input. For
 * contrastive training both images of each pair go through the *same*
 * LayersModel in one forward pass (the two halves of a concatenated batch), so
 * the towers cannot drift apart; for triplet and prototypical training a P×K
 * batch goes through it once and the loss works inside the batch.
 *
 * The run, by what each part does:
 *   1. encoder: a fresh one from the architecture, or a warm start (here);
 *   2. data preparation: dedupe, split, decode, validation pairs (data/training-data.ts);
 *   3. the loop: one trainStep per batch, validation each epoch on the shared
 *      scoring path, best epoch kept (loop/training-loop.ts, loop/train-step.ts,
 *      evaluate/verification-scoring.ts);
 *   4. calibration on the best epoch's validation ROC (calibration/calibrate.ts);
 *   5. the model card (model-card.builder.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import type { ArchitectureSpec, PreprocessSpec } from '../embedding/model-card';
import { initBackend } from '../embedding/backend';
import { buildEncoder } from '../embedding/backbones';
import { loadModelDir } from '../embedding/model-store';
import type { AugmentOptions } from './augment/affine.augment';
import { calibrate } from './calibration/calibrate';
import { prepareTrainingData } from './data/training-data';
import type { LabelledImageSource } from './data/labelled-image-source';
import { contrastiveBatchLoss } from './losses';
import { runTrainingLoop } from './loop/training-loop';
import { trainStep, type ImageShape } from './loop/train-step';
import { buildTrainedModelCard } from './model-card.builder';
import type { IndexedPair } from './samplers/pair.sampler';
import type { Rng } from './samplers/rng';
import type { TrainHooks, TrainOptions, TrainResult } from './train-options';

export type { EpochInfo, LossKind, StepInfo, TrainHooks, TrainOptions, TrainResult } from './train-options';
export { applyWeightDecay, swapIn, updateEma } from './loop/weight-averaging';
export { superclassesOf } from './samplers/superclasses';

export async function train(options: TrainOptions, source: LabelledImageSource, hooks: TrainHooks = {}): Promise<TrainResult> {
  const t0 = Date.now();
  const log = hooks.onLog ?? (() => undefined);
  const backend = await initBackend(options.backend ?? 'auto');
  log(`backend ${backend}`);
  const { model, architecture, preprocessing } = await openEncoder(options, log);
  const shape: ImageShape = { height: preprocessing.height, width: preprocessing.width, channels: preprocessing.channels };
  try {
    const data = await prepareTrainingData(options, source, preprocessing, hooks, log, t0);
    const loop = await runTrainingLoop({
      model,
      options,
      data,
      shape,
      hooks,
      log,
      inference: { flipAverage: Boolean(preprocessing.flipAverage), l2Normalize: architecture.l2Normalize },
      // Epoch 0 validates the starting weights, so a pretrained encoder that training does not improve
      // on validation is kept as it was (best-epoch selection may choose epoch 0).
      validateStart: options.validateStart ?? architecture.backbone === 'face-resnet29',
    });
    const calibration = calibrate(options.calibrationScores?.scores ?? loop.bestScores, {
      targetFar: options.targetFar ?? 1e-2,
      defaultRule: options.thresholdRule ?? 'eer',
    });
    const card = buildTrainedModelCard({
      options,
      architecture,
      preprocessing,
      sources: source.sources,
      data,
      loop,
      calibration,
      backend,
      wallTimeSec: (Date.now() - t0) / 1000,
    });
    return { model, card, history: loop.history, calibration, validationScores: loop.bestScores };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** A fresh encoder of `options.architecture`, or the model of `options.from` (whose architecture and preprocessing win). */
async function openEncoder(
  options: TrainOptions,
  log: (message: string) => void,
): Promise<{ model: tf.LayersModel; architecture: ArchitectureSpec; preprocessing: PreprocessSpec }> {
  if (options.from) {
    const loaded = await loadModelDir(options.from);
    log(`warm start from ${options.from} (${loaded.card.name})`);
    const preprocessing =
      options.flipAverage !== undefined ? { ...loaded.card.preprocessing, flipAverage: options.flipAverage } : loaded.card.preprocessing;
    return { model: loaded.model, architecture: loaded.card.architecture, preprocessing };
  }
  const preprocessing = options.flipAverage ? { ...options.preprocessing, flipAverage: true } : options.preprocessing;
  const model = buildEncoder(
    options.architecture,
    { height: preprocessing.height, width: preprocessing.width, channels: preprocessing.channels },
    options.seed,
  );
  return { model, architecture: options.architecture, preprocessing };
}

/**
 * One contrastive optimiser step on a batch of pairs; returns the loss. Both halves go
 * through the same model. (trainStep with contrastiveBatchLoss, kept for callers and tests.)
 */
export function contrastiveStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  batch: IndexedPair[],
  pixels: readonly Float32Array[],
  shape: ImageShape,
  augment: AugmentOptions | null,
  rng: Rng,
  options: Pick<TrainOptions, 'margin' | 'metric'>,
): number {
  return trainStep(model, optimizer, vars, contrastiveBatchLoss(batch, options), pixels, shape, augment, rng).loss;
}
