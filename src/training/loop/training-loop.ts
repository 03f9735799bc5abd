/**
 * The optimisation loop of `train()`: batches from the sampler of the loss,
 * one trainStep per batch (Adam, learning-rate schedule, decoupled weight
 * decay, EMA), and at the end of every epoch validation on the fixed pairs and
 * episodes of the prepared data; the best epoch's weights are kept.
 *
 * On return the model holds the best epoch's weights (the EMA's when `ema` is
 * on). On a throw (cancel, NaN loss, no epoch within the budget) everything the
 * loop allocated is disposed; the model stays the caller's to dispose.
 */
import * as tf from '@tensorflow/tfjs';
import type { InferenceSpec } from '../../embedding/preprocess/flip-average';
import { DomainError, ErrorCode, throwIfCancelled } from '../../errors';
import { augmentPreset } from '../augment/affine.augment';
import type { ScoredPair } from '../calibration/roc';
import type { TrainingData } from '../data/training-data';
import { oneShotAccuracy } from '../evaluate/embed';
import { scoreVerification } from '../evaluate/verification-scoring';
import { contrastiveBatchLoss, prototypicalBatchLoss, tripletBatchLoss, type BatchLoss } from '../losses';
import { BalancedPairSampler } from '../samplers/pair.sampler';
import { ForgeryPairSampler } from '../samplers/forgery-pair.sampler';
import { PkSampler } from '../samplers/pk.sampler';
import { Rng } from '../samplers/rng';
import { superclassesOf } from '../samplers/superclasses';
import type { EpochInfo, TrainHooks, TrainOptions } from '../train-options';
import { heapChecked, microBatchFor } from './micro-batch';
import { refreshNearestWriters } from './nearest-writers.refresh';
import { trainStep, type ImageShape } from './train-step';
import { trunkFreeze } from './trunk-freeze';
import { applyWeightDecay, swapIn, updateEma } from './weight-averaging';

export interface LoopResult {
  history: EpochInfo[];
  bestEpoch: number;
  /** The best epoch's validation scores (the calibration input unless options.calibrationScores). */
  bestScores: ScoredPair[];
  /** The best epoch's embeddings of data.valPixels (verifyIdentity's calibration, trainer.ts). */
  bestEmbeddings: Float32Array[];
  /** Optimiser steps taken. */
  steps: number;
  stepsPerEpoch: number;
  /** Images per identity of a P×K batch (triplet, prototypical). */
  k: number;
  /** Whether a --max-minutes budget bound (and so steered the schedule); a run where it did not is reproducible. */
  budgetBound: boolean;
  /** Contrastive pairs per pass through the tape when a step was split (micro-batch.ts), and why. */
  microBatch?: { pairs: number; reason: 'asked' | 'wasm heap' };
}

export interface LoopContext {
  model: tf.LayersModel;
  options: TrainOptions;
  data: TrainingData;
  shape: ImageShape;
  /** The model's inference (flip averaging, L2): validation embeds as the service will. */
  inference: InferenceSpec;
  /** Validate the starting weights as epoch 0 (best-epoch selection may keep them). */
  validateStart: boolean;
  hooks: TrainHooks;
  log: (message: string) => void;
}

/** Images per identity, images per step, steps per epoch and in all. */
export function batchSchedule(options: TrainOptions, trainImages: number) {
  const k = Math.max(2, options.k ?? 4);
  const identitiesPerBatch = Math.max(2, Math.floor(options.batchSize / k));
  const imagesPerStep = options.loss === 'contrastive' ? 2 * options.batchSize : identitiesPerBatch * k;
  const stepsPerEpoch = options.stepsPerEpoch ?? Math.max(1, Math.ceil(trainImages / imagesPerStep));
  return { k, identitiesPerBatch, stepsPerEpoch, totalSteps: stepsPerEpoch * options.epochs };
}

/** The forgery-pair sampler when the run trains on skilled forgeries (contrastive), so hard writers can refresh it. */
function forgerySamplerFor(options: TrainOptions, data: TrainingData): ForgeryPairSampler | undefined {
  if (options.loss !== 'contrastive' || !data.trainForgeries) return undefined;
  return new ForgeryPairSampler(data.trainGroups, data.trainForgeries, {
    seed: options.seed + 3,
    forgeryShare: options.forgeries?.forgeryShare,
    hardWriterShare: options.forgeries?.hardWriterShare,
  });
}

/** The next training batch with its loss: balanced pairs (contrastive) or P×K batches. */
function batchesFor(
  options: TrainOptions,
  data: TrainingData,
  k: number,
  identitiesPerBatch: number,
  forgeryPairs: ForgeryPairSampler | undefined,
): () => BatchLoss {
  if (forgeryPairs) return () => contrastiveBatchLoss(forgeryPairs.batch(options.batchSize), options);
  if (options.loss === 'contrastive') {
    const pairs = new BalancedPairSampler(data.trainGroups, { seed: options.seed + 3, explicitPairs: data.explicitPairs });
    return () => contrastiveBatchLoss(pairs.batch(options.batchSize), options);
  }
  const superclasses = options.superclassBatches
    ? { superclassOf: superclassesOf(data.train.identities, data.trainGroups.length), fraction: options.superclassBatches }
    : undefined;
  const pk = new PkSampler(data.trainGroups, identitiesPerBatch, k, options.seed + 4, superclasses);
  return options.loss === 'prototypical'
    ? () => {
        const b = pk.batch();
        return prototypicalBatchLoss(b.indices, b.labels, options);
      }
    : () => {
        const b = pk.batch();
        return tripletBatchLoss(b.indices, b.labels, options);
      };
}

export async function runTrainingLoop(ctx: LoopContext): Promise<LoopResult> {
  const { model, options, data, shape, hooks, log } = ctx;
  const { k, identitiesPerBatch, stepsPerEpoch, totalSteps } = batchSchedule(options, data.trainPixels.length);
  const augment = typeof options.augment === 'string' ? augmentPreset(options.augment) : options.augment;
  const rng = new Rng(options.seed);
  const augRng = rng.fork(17);
  const forgeryPairs = forgerySamplerFor(options, data);
  const nextBatch = batchesFor(options, data, k, identitiesPerBatch, forgeryPairs);
  const nearestWriters = forgeryPairs && options.forgeries?.hardWriterShare ? forgeryPairs : undefined;
  const itemLabel = options.loss === 'contrastive' ? 'pairs' : 'images';

  const micro = microBatchFor(model, options, log);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  // --freeze-trunk-epochs: the head alone first, then every layer (trunk-freeze.ts). Before the optimiser exists: it throws on bad input.
  const freeze = trunkFreeze(model, vars, options.trunkFrom?.freezeEpochs, options.epochs, log);
  let optimizer = tf.train.adam(options.learningRate);
  // Kernels only (rank ≥ 2): decaying biases or norm gains only adds noise; frozen weights are not decayed either.
  const decayedOf = (stepped: tf.Variable[]) => (options.weightDecay ? stepped.filter((v) => v.rank >= 2) : []);
  let shadow: tf.Tensor[] | undefined = options.ema ? vars.map((v) => tf.keep(v.clone())) : undefined;
  // A --max-minutes budget steers the schedule only once it binds: from the first check (every epoch end,
  // after its validation, and every max(10, 1/40 of the) steps) at which the run, at its pace so far, would not finish
  // its steps in time; then for good. Before that the schedule is the step count's alone, so a run whose budget
  // never binds is bit-reproducible; session 18 measured omniglot runs diverging from their first epoch when the
  // clock entered every step's learning rate.
  let budgetBinds = false;
  // At least 10 steps apart: the projection averages over them, so one slow warm-up step cannot make it bind.
  const checkBudgetEvery = Math.max(10, Math.ceil(totalSteps / 40));
  const checkBudget = () => {
    if (options.maxSeconds && !budgetBinds && step > 0)
      budgetBinds = ((Date.now() - loopStart) / 1000 / step) * totalSteps > options.maxSeconds;
  };
  const progressAt = (step: number) =>
    Math.min(1, Math.max(step / totalSteps, budgetBinds ? (Date.now() - loopStart) / 1000 / options.maxSeconds! : 0));
  const lrAt = (step: number) =>
    options.lrSchedule === 'cosine'
      ? options.learningRate * (0.01 + 0.99 * 0.5 * (1 + Math.cos(Math.PI * progressAt(step))))
      : options.learningRate;

  const history: EpochInfo[] = [];
  let best: { score: number; epoch: number; weights: tf.Tensor[]; scores: ScoredPair[]; embeddings: Float32Array[] } | undefined;
  let step = 0;
  let items = 0;
  const loopStart = Date.now();
  let outOfTime = false;
  let halfAnnealEpoch: number | undefined;
  try {
    // A model with nothing to train (a frozen pretrained encoder) is only validated and calibrated, once.
    const calibrateOnly = vars.length === 0;
    if (calibrateOnly) log('no trainable weights: validating and calibrating the encoder as it is');
    const validateStart = calibrateOnly || ctx.validateStart;
    for (let epoch = validateStart ? 0 : 1; epoch <= (calibrateOnly ? 0 : options.epochs) && !outOfTime; epoch++) {
      let lossSum = 0;
      let activeSum = 0;
      let activeSteps = 0;
      let epochSteps = 0;
      const stepped = freeze.variablesFor(epoch);
      const decayed = decayedOf(stepped);
      if (freeze.unfreezesAt(epoch)) {
        optimizer.dispose();
        optimizer = tf.train.adam(options.learningRate);
        log(
          `epoch ${epoch}: the trunk joins training (after ${epoch - 1} epoch${epoch === 2 ? '' : 's'} of the head alone; Adam restarts)`,
        );
      }
      // Rule NEAR: the nearest writers from the live weights, once per epoch, unless the budget has already run out.
      if (nearestWriters && epoch > 0 && !(options.maxSeconds && (Date.now() - loopStart) / 1000 >= options.maxSeconds)) {
        const t0 = Date.now();
        const n = refreshNearestWriters(model, nearestWriters, data.trainPixels, shape, ctx.inference);
        log(`epoch ${epoch}: nearest writers from ${n} images (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      }
      for (let s = 0; s < (epoch === 0 ? 0 : stepsPerEpoch); s++) {
        throwIfCancelled(hooks.signal, 'training cancelled');
        if (options.maxSeconds && (Date.now() - loopStart) / 1000 >= options.maxSeconds) {
          outOfTime = true;
          break;
        }
        const lr = lrAt(step);
        (optimizer as unknown as { learningRate: number }).learningRate = lr;
        const batch = nextBatch();
        const { loss, activeFraction } = heapChecked(
          () => trainStep(model, optimizer, stepped, batch, data.trainPixels, shape, augment, augRng, !freeze.frozen(epoch), micro.pairs),
          batch.items,
          micro.pairs,
          itemLabel,
        );
        items += batch.items;
        if (activeFraction !== undefined) {
          activeSum += activeFraction;
          activeSteps++;
        }
        if (decayed.length) applyWeightDecay(decayed, lr * options.weightDecay!);
        if (shadow) shadow = updateEma(shadow, vars, Math.min(options.ema!, (1 + step) / (10 + step)));
        if (!Number.isFinite(loss))
          throw new DomainError(ErrorCode.INTERNAL_SERVER_ERROR, `loss became ${loss} at step ${step + 1}; lower --lr`);
        lossSum += loss;
        step++;
        epochSteps++;
        if (step % checkBudgetEvery === 0) checkBudget();
        const elapsed = (Date.now() - loopStart) / 1000;
        hooks.onStep?.({
          step,
          totalSteps,
          epoch,
          loss,
          activeFraction,
          itemsPerSec: items / Math.max(elapsed, 1e-9),
          itemLabel,
          elapsedSec: elapsed,
          etaSec: Math.min(
            (elapsed / step) * (totalSteps - step),
            options.maxSeconds ? Math.max(0, options.maxSeconds - elapsed) : Infinity,
          ),
          learningRate: lr,
        });
        // Let timers, signals and progress output run between steps.
        if (step % 5 === 0) await new Promise((r) => setImmediate(r));
      }

      // A budget that ran out exactly at an epoch boundary leaves nothing new to validate.
      if (epochSteps === 0 && epoch !== 0) break;
      // Validate (and snapshot) the averaged weights; the live ones come back after.
      const live = shadow ? swapIn(vars, shadow) : undefined;
      const val = scoreVerification(model, data.valPixels, data.valPairs, { shape, inference: ctx.inference, metric: options.metric });
      const valOneShot = data.episodes.length ? oneShotAccuracy(val.embeddings, data.episodes, options.metric) : undefined;
      const score = options.selectBy === 'eer' ? -val.eer : options.selectBy === 'oneshot' ? (valOneShot ?? val.auc) : val.auc;
      const isBest = !best || (options.selectBy === 'last' ? true : score > best.score);
      if (isBest) {
        best?.weights.forEach((w) => w.dispose());
        best = { score, epoch, weights: model.getWeights().map((w) => tf.keep(w.clone())), scores: val.scores, embeddings: val.embeddings };
      }
      if (live) tf.dispose(swapIn(vars, live).concat(live));
      const elapsed = (Date.now() - loopStart) / 1000;
      const info: EpochInfo = {
        epoch,
        step,
        loss: epochSteps ? lossSum / epochSteps : NaN,
        activeFraction: activeSteps ? activeSum / activeSteps : undefined,
        valAuc: val.auc,
        valEer: val.eer,
        valOneShot,
        best: isBest,
        elapsedSec: elapsed,
        itemsPerSec: items / Math.max(elapsed, 1e-9),
      };
      history.push(info);
      hooks.onEpoch?.(info);
      checkBudget(); // after the validation, so its cost counts in the projection
      // Early stopping: `patience` validated epochs without a better score end the run (the best is kept).
      // With patienceFrom 'half-anneal' the count starts no earlier than the first validation at which the
      // cosine schedule is half done (RULE-2.md: before that, validation noise at a high rate ended runs).
      if (halfAnnealEpoch === undefined && progressAt(step) >= 0.5) halfAnnealEpoch = epoch;
      const countFrom = options.patienceFrom === 'half-anneal' && options.lrSchedule === 'cosine' ? halfAnnealEpoch : best?.epoch;
      if (
        options.patience &&
        options.selectBy !== 'last' &&
        best &&
        countFrom !== undefined &&
        epoch - Math.max(best.epoch, countFrom) >= options.patience
      ) {
        log(
          `early stop: no better validation score for ${options.patience} epochs (best epoch ${best.epoch}` +
            (countFrom > best.epoch ? `; counted from epoch ${countFrom}, where the schedule was half done)` : ')'),
        );
        break;
      }
    }
  } catch (e) {
    best?.weights.forEach((w) => w.dispose());
    if (shadow) tf.dispose(shadow);
    optimizer.dispose();
    throw e;
  }

  if (shadow) tf.dispose(shadow);
  optimizer.dispose();
  if (!best) throw new DomainError(ErrorCode.BAD_USER_INPUT, 'no epoch completed within the time budget; raise --max-minutes');
  model.setWeights(best.weights);
  best.weights.forEach((w) => w.dispose());
  return {
    history,
    bestEpoch: best.epoch,
    bestScores: best.scores,
    bestEmbeddings: best.embeddings,
    steps: step,
    stepsPerEpoch,
    k,
    budgetBound: budgetBinds,
    ...(micro.pairs !== undefined && (micro.reason === 'asked' || micro.reason === 'wasm heap')
      ? { microBatch: { pairs: micro.pairs, reason: micro.reason } }
      : {}),
  };
}
