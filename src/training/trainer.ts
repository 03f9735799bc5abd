/**
 * The training loop shared by `siamese train` and the service's retraining
 * worker: `train(options, source, hooks)` → { model, card, history }.
 *
 * Siamese = one encoder, one set of variables, applied to every input. For
 * contrastive training both images of each pair go through the *same*
 * LayersModel in one forward pass (the two halves of a concatenated batch), so
 * the towers cannot drift apart; for triplet training a P×K batch goes through
 * it once and triplets are mined inside the batch.
 *
 * Each epoch ends with validation on identity-disjoint pairs (AUC, EER, and an
 * N-way one-shot score on validation identities); the best epoch's weights are
 * kept and its validation ROC calibrates the thresholds stored in the card.
 * The card's fingerprint and version are filled in when the model is saved
 * (src/embedding/model-store.ts saveModelDir; see save-trained-model.ts).
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { ArchitectureSpec, ModelCard, PreprocessSpec, Thresholds } from '../embedding/model-card';
import { initBackend, type BackendPreference } from '../embedding/backend';
import { buildEncoder } from '../embedding/backbones';
import { loadModelDir } from '../embedding/model-store';
import { DomainError, ErrorCode } from '../errors';
import type { Metric } from '../metric/metric';
import { augmentBatch, augmentPreset, type AugmentOptions, type AugmentPreset } from './augment/affine.augment';
import { calibrate, type Calibration } from './calibration/calibrate';
import type { ScoredPair } from './calibration/roc';
import { DecodedImageCache, dropFaceless, packBatch } from './data/image-cache';
import type { ImageRef } from './data/labelled-image-source';
import type { LabelledImageSource } from './data/labelled-image-source';
import { splitByIdentity, type IdentityGroups } from './data/split';
import { splitByFold, type Fold } from './evaluate/folds';
import { embedPixels, oneShotAccuracy, oneShotEpisodes, scorePairs, verificationPairs } from './evaluate/embed';
import { contrastiveLoss } from './losses/contrastive.loss';
import { rowDistances } from './losses/distances';
import { prototypicalLoss } from './losses/prototypical.loss';
import { tripletLoss, type Mining } from './losses/triplet.loss';
import { withRotatedClasses } from './data/rotated-classes';
import { dedupeByContent } from './data/dedupe';
import { BalancedPairSampler, type IndexedPair } from './samplers/pair.sampler';
import { PkSampler } from './samplers/pk.sampler';
import { Rng } from './samplers/rng';
import { auc as rocAuc, computeRoc, equalErrorRate } from './calibration/roc';

export type LossKind = 'contrastive' | 'triplet' | 'prototypical';

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
   * (characters: a rotated glyph is another glyph). Validation is untouched.
   */
  rotateClasses?: boolean;
  /**
   * Share of P×K batches drawn from one superclass: the identity's parent
   * folder, e.g. an Omniglot alphabet (rotated copies form their own). Default 0.
   */
  superclassBatches?: number;
  epochs: number;
  /**
   * Wall-clock budget for the optimisation loop (seconds). Training stops at the
   * budget (the current epoch is cut short and still validated), and the cosine
   * schedule follows max(step progress, time progress) so it ends annealed.
   */
  maxSeconds?: number;
  /** Steps per epoch; default ⌈training images / images per step⌉. */
  stepsPerEpoch?: number;
  /** Validate the starting weights as epoch 0 (default: for the pretrained face-resnet29 backbone). */
  validateStart?: boolean;
  /** Contrastive: pairs per step. Triplet: images per step (P×K with K = `k`). */
  batchSize: number;
  /** Images per identity in a triplet batch (default 4). */
  k?: number;
  learningRate: number;
  /** 'cosine' decays the learning rate to 1% over the run (default 'constant'). */
  lrSchedule?: 'constant' | 'cosine';
  augment: AugmentPreset | AugmentOptions | null;
  /** Share of identities held out for validation (identity-disjoint). */
  valFraction: number;
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

export class TrainingCancelledError extends Error {
  constructor() {
    super('training cancelled');
    this.name = 'AbortError';
  }
}

export async function train(options: TrainOptions, source: LabelledImageSource, hooks: TrainHooks = {}): Promise<TrainResult> {
  const t0 = Date.now();
  const log = hooks.onLog ?? (() => undefined);
  const backendName = await initBackend(options.backend ?? 'auto');
  log(`backend ${backendName}`);

  // --- model (fresh or warm start) -------------------------------------------------------
  let model: tf.LayersModel;
  let architecture = options.architecture;
  let preprocessing = options.preprocessing;
  if (options.from) {
    const loaded = await loadModelDir(options.from);
    model = loaded.model;
    architecture = loaded.card.architecture;
    preprocessing = loaded.card.preprocessing;
    if (options.flipAverage !== undefined) preprocessing = { ...preprocessing, flipAverage: options.flipAverage };
    log(`warm start from ${options.from} (${loaded.card.name})`);
  } else {
    if (options.flipAverage) preprocessing = { ...preprocessing, flipAverage: true };
    model = buildEncoder(architecture, { height: preprocessing.height, width: preprocessing.width, channels: preprocessing.channels }, options.seed);
  }
  const shape = { height: preprocessing.height, width: preprocessing.width, channels: preprocessing.channels };
  const inference = { flipAverage: Boolean(preprocessing.flipAverage), l2Normalize: architecture.l2Normalize };

  // --- data --------------------------------------------------------------------------------
  const deduped = await dedupeByContent(source, await source.list());
  const dropped = deduped.dropped;
  if (dropped.length) log(`dropped ${dropped.length} byte-identical duplicate images (e.g. ${dropped[0].key} = ${dropped[0].duplicateOf})`);
  const cache = new DecodedImageCache(source, preprocessing);
  const { kept: images, faceless } = preprocessing.face
    ? await dropFaceless(cache, deduped.images, (done, total) => hooks.onPrepare?.(done, total))
    : { kept: deduped.images, faceless: [] as ImageRef[] };
  if (faceless.length) log(`face stage: no face found in ${faceless.length} of ${deduped.images.length} images (dropped; e.g. ${faceless[0].key})`);
  const splitSeed = options.splitSeed ?? options.seed;
  const split = options.valFold ? splitByFold(images, options.valFold) : splitByIdentity(images, options.valFraction, splitSeed);
  if (split.train.identities.length < 2) {
    throw new DomainError(ErrorCode.DATASET_INVALID, `need at least 2 training identities, found ${split.train.identities.length}`);
  }
  const calibrateOn: IdentityGroups = split.validation.identities.length >= 2 ? split.validation : split.train;
  if (calibrateOn === split.train) {
    log(options.calibrationScores
      ? `no validation split: per-epoch scores are on training identities; thresholds from ${options.calibrationScores.description}`
      : 'warning: fewer than 2 validation identities; calibrating on training identities (optimistic)');
  }
  let trainPixels = await cache.loadAll(split.train.images);
  const valPixels = await cache.loadAll(calibrateOn.images);
  log(`decoded ${trainPixels.length} training + ${valPixels.length} validation images in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  let trainGroups: number[][] = split.train.groups;
  if (options.rotateClasses) {
    if (options.loss === 'contrastive' || options.from) log('note: rotated classes are added to the sampled training identities');
    ({ pixels: trainPixels, groups: trainGroups } = withRotatedClasses(trainPixels, split.train.groups, shape));
    log(`rotated classes: ${split.train.groups.length} → ${trainGroups.length} training identities`);
  }

  const explicit = await explicitPairs(source, split.train);
  const valPairs = verificationPairs(calibrateOn.groups, options.maxValNegatives ?? 20000, splitSeed + 1);
  const episodes = oneShotEpisodes(calibrateOn.identities, calibrateOn.groups, options.oneShotWays ?? 20, 40, splitSeed + 2);

  // --- schedule ------------------------------------------------------------------------------
  const k = Math.max(2, options.k ?? 4);
  const imagesPerStep = options.loss === 'contrastive' ? 2 * options.batchSize : Math.max(2, Math.floor(options.batchSize / k)) * k;
  const stepsPerEpoch = options.stepsPerEpoch ?? Math.max(1, Math.ceil(trainPixels.length / imagesPerStep));
  const totalSteps = stepsPerEpoch * options.epochs;
  const augment = typeof options.augment === 'string' ? augmentPreset(options.augment) : options.augment;
  const rng = new Rng(options.seed);
  const augRng = rng.fork(17);
  const pairSampler = options.loss === 'contrastive'
    ? new BalancedPairSampler(trainGroups, { seed: options.seed + 3, explicitPairs: explicit })
    : undefined;
  const pkSampler = options.loss !== 'contrastive'
    ? new PkSampler(trainGroups, Math.max(2, Math.floor(options.batchSize / k)), k, options.seed + 4,
      options.superclassBatches ? { superclassOf: superclassesOf(split.train.identities, trainGroups.length), fraction: options.superclassBatches } : undefined)
    : undefined;

  const optimizer = tf.train.adam(options.learningRate);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  // Kernels only (rank ≥ 2): decaying biases or norm gains only adds noise.
  const decayed = options.weightDecay ? vars.filter((v) => v.rank >= 2) : [];
  let shadow: tf.Tensor[] | undefined = options.ema ? vars.map((v) => tf.keep(v.clone())) : undefined;
  const progressAt = (step: number) =>
    Math.min(1, Math.max(step / totalSteps, options.maxSeconds ? (Date.now() - loopStart) / 1000 / options.maxSeconds : 0));
  const lrAt = (step: number) =>
    options.lrSchedule === 'cosine' ? options.learningRate * (0.01 + 0.99 * 0.5 * (1 + Math.cos(Math.PI * progressAt(step)))) : options.learningRate;

  // --- loop ------------------------------------------------------------------------------------
  const history: EpochInfo[] = [];
  let best: { score: number; epoch: number; weights: tf.Tensor[]; scores: ScoredPair[] } | undefined;
  let step = 0;
  let items = 0;
  const loopStart = Date.now();
  let outOfTime = false;
  try {
    // A model with nothing to train (a frozen pretrained encoder) is only validated and calibrated, once.
    const calibrateOnly = vars.length === 0;
    if (calibrateOnly) log('no trainable weights: validating and calibrating the encoder as it is');
    // Epoch 0 validates the starting weights, so a pretrained encoder that training does not improve
    // on validation is kept as it was (best-epoch selection may choose epoch 0).
    const validateStart = calibrateOnly || (options.validateStart ?? architecture.backbone === 'face-resnet29');
    for (let epoch = validateStart ? 0 : 1; epoch <= (calibrateOnly ? 0 : options.epochs) && !outOfTime; epoch++) {
      let lossSum = 0;
      let activeSum = 0;
      let epochSteps = 0;
      for (let s = 0; s < (epoch === 0 ? 0 : stepsPerEpoch); s++) {
        if (hooks.signal?.aborted) throw new TrainingCancelledError();
        if (options.maxSeconds && (Date.now() - loopStart) / 1000 >= options.maxSeconds) {
          outOfTime = true;
          break;
        }
        const lr = lrAt(step);
        (optimizer as unknown as { learningRate: number }).learningRate = lr;
        let lossValue: number;
        let active: number | undefined;
        if (pairSampler) {
          const batch = pairSampler.batch(options.batchSize);
          lossValue = contrastiveStep(model, optimizer, vars, batch, trainPixels, shape, augment, augRng, options);
          items += batch.length;
        } else {
          const batch = pkSampler!.batch();
          [lossValue, active] = options.loss === 'prototypical'
            ? prototypicalStep(model, optimizer, vars, batch.indices, batch.labels, trainPixels, shape, augment, augRng, options)
            : tripletStep(model, optimizer, vars, batch.indices, batch.labels, trainPixels, shape, augment, augRng, options);
          items += batch.indices.length;
          activeSum += active;
        }
        if (decayed.length) applyWeightDecay(decayed, lr * options.weightDecay!);
        if (shadow) shadow = updateEma(shadow, vars, Math.min(options.ema!, (1 + step) / (10 + step)));
        if (!Number.isFinite(lossValue)) throw new DomainError(ErrorCode.INTERNAL_SERVER_ERROR, `loss became ${lossValue} at step ${step + 1}; lower --lr`);
        lossSum += lossValue;
        step++;
        epochSteps++;
        const elapsed = (Date.now() - loopStart) / 1000;
        hooks.onStep?.({
          step, totalSteps, epoch, loss: lossValue, activeFraction: active,
          itemsPerSec: items / Math.max(elapsed, 1e-9), itemLabel: pairSampler ? 'pairs' : 'images',
          elapsedSec: elapsed,
          etaSec: Math.min((elapsed / step) * (totalSteps - step), options.maxSeconds ? Math.max(0, options.maxSeconds - elapsed) : Infinity),
          learningRate: lr,
        });
        // Let timers, signals and progress output run between steps.
        if (step % 5 === 0) await new Promise((r) => setImmediate(r));
      }

      // A budget that ran out exactly at an epoch boundary leaves nothing new to validate.
      if (epochSteps === 0 && epoch !== 0) break;
      // validation
      // Validate (and snapshot) the averaged weights; the live ones come back after.
      const live = shadow ? swapIn(vars, shadow) : undefined;
      const emb = embedPixels(model, valPixels, shape, 64, inference);
      const scores = scorePairs(emb, valPairs, options.metric);
      const roc = computeRoc(scores);
      const valAuc = rocAuc(roc);
      const valEer = equalErrorRate(roc).eer;
      const valOneShot = episodes.length ? oneShotAccuracy(emb, episodes, options.metric) : undefined;
      const score = options.selectBy === 'eer' ? -valEer : options.selectBy === 'oneshot' ? (valOneShot ?? valAuc) : valAuc;
      const isBest = !best || (options.selectBy === 'last' ? true : score > best.score);
      if (isBest) {
        best?.weights.forEach((w) => w.dispose());
        best = { score, epoch, weights: model.getWeights().map((w) => tf.keep(w.clone())), scores };
      }
      if (live) tf.dispose(swapIn(vars, live).concat(live));
      const elapsed = (Date.now() - loopStart) / 1000;
      const info: EpochInfo = {
        epoch, step, loss: epochSteps ? lossSum / epochSteps : NaN, activeFraction: pkSampler && epochSteps ? activeSum / epochSteps : undefined,
        valAuc, valEer, valOneShot, best: isBest, elapsedSec: elapsed, itemsPerSec: items / Math.max(elapsed, 1e-9),
      };
      history.push(info);
      hooks.onEpoch?.(info);
    }
  } catch (e) {
    best?.weights.forEach((w) => w.dispose());
    if (shadow) tf.dispose(shadow);
    optimizer.dispose();
    model.dispose();
    throw e;
  }

  // --- keep the best epoch, calibrate on its validation ROC -------------------------------------
  if (!best) {
    optimizer.dispose();
    model.dispose();
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'no epoch completed within the time budget; raise --max-minutes');
  }
  if (shadow) tf.dispose(shadow);
  model.setWeights(best!.weights);
  best!.weights.forEach((w) => w.dispose());
  optimizer.dispose();
  const calibrationScores = options.calibrationScores?.scores ?? best!.scores;
  const calibration = calibrate(calibrationScores, { targetFar: options.targetFar ?? 1e-2, defaultRule: options.thresholdRule ?? 'eer' });
  // By epoch number: with epoch 0 (validateStart) history[i] is epoch i, not epoch i + 1.
  const bestInfo = history.find((h) => h.epoch === best!.epoch)!;
  const wallTimeSec = (Date.now() - t0) / 1000;

  const card: ModelCard = {
    formatVersion: 1,
    name: options.name,
    version: '',
    createdAt: new Date().toISOString(),
    architecture,
    preprocessing,
    metric: options.metric,
    thresholds: calibration.thresholds,
    roc: calibration.roc,
    validation: calibration.metrics,
    evaluations: {
      validation: {
        identities: calibrateOn.identities.length,
        images: calibrateOn.images.length,
        oneShotWays: options.oneShotWays ?? 20,
        oneShotAccuracy: bestInfo.valOneShot,
        // Which identities the per-epoch AUC/EER/one-shot above were measured on.
        scoredOn: calibrateOn === split.train ? 'training identities (no held-out split; optimistic)' : 'validation identities',
        calibratedOn: options.calibrationScores
          ? options.calibrationScores.description
          : calibrateOn === split.train ? 'training identities (no validation split)' : 'validation identities',
      },
      ...(options.calibrationScores && calibrateOn === split.validation
        ? { heldOutValidation: { auc: bestInfo.valAuc, eer: bestInfo.valEer, oneShotAccuracy: bestInfo.valOneShot } }
        : {}),
    },
    data: {
      sources: source.sources,
      identities: split.train.identities.length + split.validation.identities.length,
      images: images.length,
      trainIdentities: split.train.identities.length,
      validationIdentities: split.validation.identities.length,
      ...(dropped.length ? { duplicatesDropped: dropped.length } : {}),
      ...(preprocessing.face ? { facelessDropped: faceless.length } : {}),
    },
    hyperparameters: {
      loss: options.loss,
      margin: options.margin,
      mining: options.loss === 'triplet' ? options.mining : undefined,
      scale: options.loss === 'prototypical' ? options.scale ?? DEFAULT_PROTO_SCALE : undefined,
      rotateClasses: options.rotateClasses || undefined,
      superclassBatches: options.superclassBatches || undefined,
      epochs: options.epochs,
      maxSeconds: options.maxSeconds,
      stepsPerEpoch,
      batchSize: options.batchSize,
      k: options.loss !== 'contrastive' ? k : undefined,
      learningRate: options.learningRate,
      lrSchedule: options.lrSchedule ?? 'constant',
      optimizer: 'adam',
      augment: options.augment,
      valFraction: options.valFold ? undefined : options.valFraction,
      valFold: options.valFold ? `${options.valFold.index}/${options.valFold.count}` : undefined,
      splitSeed: splitSeed !== options.seed ? splitSeed : undefined,
      weightDecay: options.weightDecay || undefined,
      ema: options.ema || undefined,
      selectBy: options.selectBy ?? 'auc',
      explicitPairs: explicit.length,
      warmStartFrom: options.from,
      history: history.map((h) => ({ ...h, elapsedSec: +h.elapsedSec.toFixed(1), itemsPerSec: +h.itemsPerSec.toFixed(1) })),
    },
    seed: options.seed,
    training: {
      wallTimeSec: +wallTimeSec.toFixed(1),
      steps: step,
      epochs: history.length,
      bestEpoch: best!.epoch,
      backend: backendName,
      machine: `${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'} (${os.platform()})`,
    },
    fingerprint: '',
    commands: options.commands ?? { train: '', evaluate: [] },
    notes: options.notes,
  };
  return { model, card, history, calibration, validationScores: best!.scores };
}

type Shape = { height: number; width: number; channels: number };

/**
 * Superclass index of every training group: the parent folder of its identity.
 * Groups past the originals are rotated copies, appended turn by turn in the
 * originals' order (see withRotatedClasses), and each turn is its own superclass.
 */
export function superclassesOf(identities: readonly string[], groupCount: number): number[] {
  const n = identities.length;
  const index = new Map<string, number>();
  return Array.from({ length: groupCount }, (_, j) => {
    const key = `${identities[j % n].split('/').slice(0, -1).join('/')}#${Math.floor(j / n)}`;
    if (!index.has(key)) index.set(key, index.size);
    return index.get(key)!;
  });
}

/** One EMA step: returns the new shadow tensors (kept) and disposes the old ones. */
export function updateEma(shadow: tf.Tensor[], vars: readonly tf.Variable[], decay: number): tf.Tensor[] {
  const next = tf.tidy(() => shadow.map((s, i) => tf.add(tf.mul(s, decay), tf.mul(vars[i], 1 - decay))));
  next.forEach((t) => tf.keep(t));
  tf.dispose(shadow);
  return next;
}

/** Assigns `values` to `vars`; returns (kept) copies of what the variables held before. */
export function swapIn(vars: readonly tf.Variable[], values: readonly tf.Tensor[]): tf.Tensor[] {
  const before = vars.map((v) => tf.keep(v.clone()));
  vars.forEach((v, i) => v.assign(values[i]));
  return before;
}

/** Decoupled weight decay step: w ← w·(1 − factor) for each variable. */
export function applyWeightDecay(vars: readonly tf.Variable[], factor: number): void {
  tf.tidy(() => vars.forEach((v) => v.assign(tf.mul(v, 1 - factor))));
}

function imagesTensor(pixels: readonly Float32Array[], indices: readonly number[], shape: Shape): tf.Tensor4D {
  return tf.tensor4d(packBatch(pixels, indices), [indices.length, shape.height, shape.width, shape.channels]);
}

/** One optimiser step on a batch of pairs; returns the loss. Both halves go through the same model. */
export function contrastiveStep(
  model: tf.LayersModel, optimizer: tf.Optimizer, vars: tf.Variable[], batch: IndexedPair[],
  pixels: readonly Float32Array[], shape: Shape, augment: AugmentOptions | null, rng: Rng,
  options: TrainOptions,
): number {
  const n = batch.length;
  const raw = imagesTensor(pixels, [...batch.map((p) => p.a), ...batch.map((p) => p.b)], shape);
  const x = augmentBatch(raw, augment, rng);
  raw.dispose();
  const same = tf.tensor1d(batch.map((p) => (p.same ? 1 : 0)), 'float32');
  const weights = batch.some((p) => p.weight !== 1) ? tf.tensor1d(batch.map((p) => p.weight), 'float32') : undefined;
  const cost = optimizer.minimize(() => {
    const emb = model.apply(x, { training: true }) as tf.Tensor2D;
    const a = tf.slice(emb, [0, 0], [n, -1]) as tf.Tensor2D;
    const b = tf.slice(emb, [n, 0], [n, -1]) as tf.Tensor2D;
    return contrastiveLoss(rowDistances(a, b, options.metric), same, { margin: options.margin, weights });
  }, true, vars);
  const value = cost!.dataSync()[0];
  tf.dispose([cost!, x, same, ...(weights ? [weights] : [])]);
  return value;
}

export function tripletStep(
  model: tf.LayersModel, optimizer: tf.Optimizer, vars: tf.Variable[], indices: number[], labels: number[],
  pixels: readonly Float32Array[], shape: Shape, augment: AugmentOptions | null, rng: Rng,
  options: TrainOptions,
): [number, number] {
  const raw = imagesTensor(pixels, indices, shape);
  const x = augmentBatch(raw, augment, rng);
  raw.dispose();
  const lab = tf.tensor1d(labels, 'int32');
  let active: tf.Scalar | undefined;
  const cost = optimizer.minimize(() => {
    const emb = model.apply(x, { training: true }) as tf.Tensor2D;
    const r = tripletLoss(emb, lab, { margin: options.margin, metric: options.metric, mining: options.mining });
    active = tf.keep(r.activeFraction);
    return r.loss;
  }, true, vars);
  const value = cost!.dataSync()[0];
  const act = active!.dataSync()[0];
  tf.dispose([cost!, x, lab, active!]);
  return [value, act];
}

const DEFAULT_PROTO_SCALE = 10;

/** One step of prototypical loss on a P×K batch; returns [loss, share of misclassified images]. */
export function prototypicalStep(
  model: tf.LayersModel, optimizer: tf.Optimizer, vars: tf.Variable[], indices: number[], labels: number[],
  pixels: readonly Float32Array[], shape: Shape, augment: AugmentOptions | null, rng: Rng,
  options: TrainOptions,
): [number, number] {
  const raw = imagesTensor(pixels, indices, shape);
  const x = augmentBatch(raw, augment, rng);
  raw.dispose();
  let accuracy: tf.Scalar | undefined;
  const cost = optimizer.minimize(() => {
    const emb = model.apply(x, { training: true }) as tf.Tensor2D;
    const r = prototypicalLoss(emb, labels, { scale: options.scale ?? DEFAULT_PROTO_SCALE });
    accuracy = tf.keep(r.accuracy);
    return r.loss;
  }, true, vars);
  const value = cost!.dataSync()[0];
  const acc = accuracy!.dataSync()[0];
  tf.dispose([cost!, x, accuracy!]);
  return [value, 1 - acc];
}

/** Explicit labelled pairs whose both images are training images, as sampler indices. */
async function explicitPairs(source: LabelledImageSource, train: IdentityGroups): Promise<IndexedPair[]> {
  if (!source.pairs) return [];
  const index = new Map(train.images.map((img, i) => [img.key, i]));
  const out: IndexedPair[] = [];
  for (const p of await source.pairs()) {
    const a = index.get(p.a);
    const b = index.get(p.b);
    if (a !== undefined && b !== undefined) out.push({ a, b, same: p.same, weight: p.weight ?? 1, augmentBoth: a === b });
  }
  return out;
}
