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
import { badInput } from '../errors';
import { loadModelDir } from '../embedding/model-store';
import { inferenceSpec } from '../embedding/preprocess/flip-average';
import type { AugmentOptions } from './augment/affine.augment';
import { calibrate } from './calibration/calibrate';
import { calibrateLabelled } from './calibration/labelled-calibration';
import { calibrateReferences } from './calibration/reference-calibration';
import { prepareTrainingData } from './data/training-data';
import { prepareForgeryData } from './data/forgery-data';
import type { LabelledImageSource } from './data/labelled-image-source';
import { contrastiveBatchLoss } from './losses';
import { runTrainingLoop } from './loop/training-loop';
import { trainStep, type ImageShape } from './loop/train-step';
import { buildTrainedModelCard, type TrunkOrigin } from './model-card.builder';
import { copyTrunk } from './trunk-from';
import type { IndexedPair } from './samplers/pair.sampler';
import type { Rng } from './samplers/rng';
import type { TrainHooks, TrainOptions, TrainResult } from './train-options';
import { beatenByPixels, bestBaseline, pixelBaseline, pixelPairScores, type PixelBaseline } from './evaluate/pixel-baseline';
import { buildPixelEncoder, pixelArchitecture } from './recipe/pixel-encoder';
import type { RecipeDecision } from './recipe/recipe.types';
import type { LoopResult } from './loop/training-loop';
import type { TrainingData } from './data/training-data';

export type { EpochInfo, LossKind, StepInfo, TrainHooks, TrainOptions, TrainResult } from './train-options';
export { applyWeightDecay, swapIn, updateEma } from './loop/weight-averaging';
export { superclassesOf } from './samplers/superclasses';

export async function train(options: TrainOptions, source: LabelledImageSource, hooks: TrainHooks = {}): Promise<TrainResult> {
  const t0 = Date.now();
  const log = hooks.onLog ?? (() => undefined);
  const backend = await initBackend(options.backend ?? 'auto');
  log(`backend ${backend}`);
  const opened = await openEncoder(options, log);
  const { architecture, preprocessing } = opened;
  let model = opened.model;
  const shape: ImageShape = { height: preprocessing.height, width: preprocessing.width, channels: preprocessing.channels };
  try {
    const data = options.forgeries
      ? await prepareForgeryData(options, source, preprocessing, hooks, log, t0)
      : await prepareTrainingData(options, source, preprocessing, hooks, log, t0);
    const loop = await runTrainingLoop({
      model,
      options,
      data,
      shape,
      hooks,
      log,
      // The card's own inference (flip averaging, fixed test-time views): validation embeds as the service will.
      inference: inferenceSpec({ preprocessing, architecture }),
      // Epoch 0 validates the starting weights, so a pretrained encoder that training does not improve
      // on validation is kept as it was (best-epoch selection may choose epoch 0).
      validateStart: options.validateStart ?? architecture.backbone === 'face-resnet29',
    });
    // Issue 17: the same validation pairs scored by raw pixels, beside the model in the card.
    const baseline = pixelBaseline(data.valPixels, data.valPairs);
    const fallback = options.pixelFallback ? pixelFallbackFor(loop, baseline, data, shape) : undefined;
    if (fallback) {
      log(`pixel fallback: ${fallback.decision.why}`);
      model.dispose();
      model = fallback.model;
    }
    const scores = fallback?.scores ?? loop.bestScores;
    const calibration = calibrate(options.calibrationScores && !fallback ? options.calibrationScores.scores : scores, {
      targetFar: options.targetFar ?? 1e-2,
      defaultRule: options.thresholdRule ?? 'eer',
    });
    // verifyIdentity's thresholds, on the same validation identities (none when calibrated elsewhere,
    // scored on the training split, or replaced by the pixel feature: no honest set to calibrate on).
    if (!fallback && !options.calibrationScores && !data.scoredOnTraining) {
      const input = {
        embeddings: loop.bestEmbeddings,
        groups: data.scoredOn.groups,
        forged: data.validationForgeries,
        metric: options.metric,
        rule: calibration.thresholds,
        seed: data.splitSeed,
      };
      const references = calibrateReferences(input);
      if (references.length) calibration.thresholds.references = references;
      // Per-identity thresholds from labelled negatives: only with skilled forgeries (labelled-calibration.ts).
      const labelled = calibrateLabelled({ ...input, references });
      if (labelled.length) calibration.thresholds.labelled = labelled;
    }
    const card = buildTrainedModelCard({
      options: fallback ? { ...options, metric: fallback.metric, calibrationScores: undefined } : options,
      architecture: fallback?.architecture ?? architecture,
      preprocessing: fallback ? withoutTestTimeAveraging(preprocessing) : preprocessing,
      sources: source.sources,
      data,
      loop,
      calibration,
      backend,
      wallTimeSec: (Date.now() - t0) / 1000,
      baseline,
      // A pixel fallback replaced the encoder, trunk and all.
      trunkFrom: fallback ? undefined : opened.trunkFrom,
      pixelFallback: fallback ? { decision: fallback.decision, trained: fallback.trained } : undefined,
    });
    return { model, card, history: loop.history, calibration, validationScores: scores };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * The pixel feature in place of the trained encoder when the encoder's best validation AUC does not
 * exceed the best pixel baseline's on the same pairs; undefined when training won.
 */
function pixelFallbackFor(loop: LoopResult, baseline: PixelBaseline, data: TrainingData, shape: ImageShape) {
  const trainedEpoch = loop.history.find((h) => h.epoch === loop.bestEpoch)!;
  const trained = { auc: trainedEpoch.valAuc, eer: trainedEpoch.valEer };
  const best = bestBaseline(baseline);
  if (!beatenByPixels(trained, baseline)) return undefined;
  const decision: RecipeDecision = {
    rule: 'pixel fallback',
    value: best.name,
    why:
      `the trained encoder's validation AUC ${trained.auc.toFixed(4)} (EER ${(trained.eer * 100).toFixed(2)}%) does not beat ` +
      `${best.name} AUC ${best.auc.toFixed(4)} (EER ${(best.eer * 100).toFixed(2)}%) on the same pairs: the saved model is the pixel feature`,
  };
  return {
    model: buildPixelEncoder(shape),
    architecture: pixelArchitecture(shape),
    metric: best.metric,
    scores: pixelPairScores(data.valPixels, data.valPairs)[best.metric],
    decision,
    trained,
  };
}

/** A pixel encoder's preprocessing: no test-time flips or views (they would average pixels, not embeddings of a trained encoder). */
function withoutTestTimeAveraging(p: PreprocessSpec): PreprocessSpec {
  const { flipAverage: _flip, testTimeViews: _views, ...rest } = p;
  return rest;
}

/**
 * A fresh encoder of `options.architecture`, or the model of `options.from` (whose architecture and
 * preprocessing win), or a fresh encoder whose trunk comes from `options.trunkFrom`.
 */
async function openEncoder(
  options: TrainOptions,
  log: (message: string) => void,
): Promise<{ model: tf.LayersModel; architecture: ArchitectureSpec; preprocessing: PreprocessSpec; trunkFrom?: TrunkOrigin }> {
  if (options.from && options.trunkFrom) {
    throw badInput('--from (warm start) and --trunk-from (a trunk for a fresh encoder) exclude each other: choose one');
  }
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
  if (!options.trunkFrom) return { model, architecture: options.architecture, preprocessing };
  try {
    const trunkFrom = await copyTrunk(model, options.trunkFrom, options.architecture, preprocessing, log);
    return { model, architecture: options.architecture, preprocessing, trunkFrom };
  } catch (e) {
    model.dispose();
    throw e;
  }
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
