/**
 * `siamese train`: trains a Siamese encoder on folder-tree datasets and writes
 * a complete model directory (weights, model-card.json, roc.svg).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_PREFERENCES, initBackend, type BackendPreference } from '../embedding/backend';
import type { ArchitectureSpec, NormLayer, PreprocessSpec, Thresholds } from '../embedding/model-card';
import { badInput, isDomainError } from '../errors';
import { METRICS, type Metric } from '../metric/metric';
import { AUGMENT_PRESETS, type AugmentPreset } from '../training/augment/affine.augment';
import { FolderImageSource } from '../training/data/folder.source';
import { parseFilterList } from '../training/data/identity-filter';
import type { ForgeryLayout } from '../training/data/forgery-data';
import type { TrainOptions } from '../training/train-options';
import { MININGS, type Mining } from '../training/losses/triplet.loss';
import { readScoreFiles, writeScoreFile } from '../training/calibration/score-file';
import { parseFold, type Fold } from '../training/evaluate/folds';
import { saveTrainedModel } from '../training/save-trained-model';
import { train, type EpochInfo, type LossKind, type StepInfo } from '../training/trainer';
import { choice, num, parseSize, shellJoin } from './cli-args';
import type { ModelCard } from '../embedding/model-card';
import { baselineSummary, type PixelBaseline } from '../training/evaluate/pixel-baseline';
import { autoRecipe, canHoldFaces, type RecipeSettings } from '../training/recipe/auto-recipe';
import { faceCheckOrReason } from '../training/recipe/face-check';
import type { FaceDetector } from '../embedding/faces/face-detector.port';
import { describeDataset } from '../training/recipe/describe-dataset';
import { ProgressBar } from './progress';
import { CachedFaceDetector } from '../embedding/faces/cached.detector';
import { FaceApiDetector, setDefaultFaceDetector } from '../embedding/faces/face-api.detector';
import { DEFAULT_FACE_STAGE, faceResnetPreprocessing, scaledTemplate } from '../embedding/faces/face-stage-defaults';

export const summary = 'train a Siamese encoder on labelled image folders and write a model directory';

const USAGE = `usage: siamese train --data DIR [--data DIR2 …] --out MODEL_DIR [options]

data
  --data DIR            dataset root (repeatable); an identity is a folder that holds images
  --include LIST        identities to use: names, ranges (s1..s30) or /regex/ (repeatable, comma lists)
  --exclude LIST        identities to leave out (same syntax)
  --recipe KIND         auto (default): the encoder (the pretrained face trunk when a sample of the photos shows
                        faces), input size, channels, normalisation, augmentation, loss, batch shape,
                        validation split, early stopping and few-class handling chosen from the images (README
                        "the auto recipe"; the card's recipe.decisions says what and why); flags given still win.
                        manual: the fixed defaults below
  --val-fraction F      share of identities held out for validation (default 0.2; 0 = train on all)
  --val-split KIND      identity (default) | superclass: hold out whole parent folders (e.g. Omniglot
                        alphabets) until at least --val-fraction of the identities, to score unseen groups
  --val-fold I/K        validate on k-fold fold I of K over identities (every K-th in name order) instead
  --save-val-scores F   write the best epoch's validation pair distances to F (for --calibration-scores)
  --calibration-scores F  calibrate thresholds on these saved out-of-fold scores (repeatable), e.g. for a
                        final model trained with --val-fraction 0 --select last
signatures (skilled forgeries)
  --forgeries NAME      folders are WRITER/genuine and WRITER/NAME (skilled forgeries of WRITER): split by
                        writer, forgeries as hard negatives (contrastive) and as validation negatives
  --genuine NAME        name of the genuine folder (default genuine)
  --val-writers LIST    validation writers (names, ranges 31..36, /regex/, @FILE); required with --forgeries
  --forgery-share F     share of training negatives that are forgeries of the same writer (default 0.5)
  --hard-writers F      share of the other-writer negatives drawn among the anchor writer's 5 nearest writers,
                        found with the encoder at every epoch's start (default 0: any other writer)
  --synthetic-writers N add N drawn writers (24 genuine, 24 skilled forgeries each) to training, never to
                        validation (default 0; src/training/data/synthetic-signature.model.ts)
model
  --backbone NAME       encoder backbone: fast (default; the auto recipe picks face-resnet29 for face photos), seed,
                        resnet-small, face-resnet29
  --embedding-dim N     embedding size (default 128)
  --norm KIND           none | batch | group | instance (default none)
  --widths LIST         conv widths per block, e.g. 64,64,64,64 (backbone param 'widths')
  --param KEY=VALUE     other backbone params (repeatable; numbers and comma lists are parsed), e.g.
                        pooling=gem [gemP=3] ('fast' only: generalized-mean pooling instead of the average)
  --input-size N|WxH    encoder input size (default 64)
  --channels 1|3        grayscale or RGB (default 1)
  --normalize KIND      unit | invert-unit | standard (default unit; invert-unit for ink on paper)
  --fit KIND            fill | contain | cover (default fill)
  --crop ink            crop to the ink first (paper removed, specks ignored, stroke contrast normalised): scans
                        of signatures at any resolution and margin; use with --fit contain to keep the aspect
  --ink-tone equalize   with --crop ink: the fitted ink's tones equalised, so that no pen's or scanner's tone curve
                        reaches the encoder (src/embedding/preprocess/ink-tone.ts)
  --ink-mend close3     with --crop ink: the fitted ink's gaps of up to 2 px closed (a 3×3 closing), so that the
                        encoder cannot read how much a stroke breaks up (src/embedding/preprocess/ink-mend.ts)
  --flip-average        flip test-time augmentation stored in the card: embedding = L2(f(x) + f(mirror x)),
                        used by validation, eval and the service alike (the auto recipe's default with the
                        face trunk; --no-flip-average turns it off)
  --from MODEL_DIR      warm start (fine-tune) from an existing model
  --trunk-from DIR      a fresh encoder (this run's input size, crop and head) whose trunk, every layer before
                        the embedding head, is copied from the model in DIR: transfer across input sizes (the
                        head, not the trunk, depends on the input size in every backbone here). Same backbone,
                        --norm, widths and channels as the source (refused with MODEL_INCOMPATIBLE otherwise)
  --trunk-extend        with --trunk-from a fast encoder: the new one may have more blocks (--widths longer than
                        the source's and starting with them); the source's trunk fills the first blocks, the
                        rest start fresh like the head (rule DEEP)
  --trunk-member N      with --trunk-from an ensemble: the member whose trunk to take (0-based, card order)
  --freeze-trunk-epochs N
                        with --trunk-from: the first N epochs train the fresh head alone, then every layer
                        trains (linear probing, then fine-tuning: the trunk's features are not bent by a
                        random head's gradients; Adam restarts when the trunk joins)
faces
  --face-stage KIND     none | tiny | ssd: detect, align (68 landmarks → similarity to canonical eye/nose/mouth
                        positions) and crop faces before the encoder; stored in the card, so eval, the service
                        and retraining do the same (default: tiny, with ssd as fallback, for face-resnet29;
                        none otherwise). Images without a detectable face are left out and counted in the card
  --face-cache DIR      remember detections on disk between runs, the auto recipe's face check's too (default
                        .cache/faces; 'none' = off)
  backbone face-resnet29 is dlib's pretrained face ResNet (weights from @vladmandic/face-api) with a Siamese
                        head; its input is fixed (150×150 RGB); --param trainable=head|last-block|all
training
  --loss KIND           contrastive (default) | triplet | prototypical (P×K batches, leave-one-out prototypes)
  --scale S             prototypical: inverse temperature on −squared distance (default 10)
  --rotate-classes      add 90/180/270° rotated copies of each training identity as new identities (characters)
                        (with --forgeries: each training writer turned 180°, forgeries too, is a new writer)
  --mirror-classes      add a left-right mirrored copy of each training identity (and rotation) as a new identity
                        (with --forgeries: each training writer's mirror, forgeries mirrored too, is a new writer)
  --superclass-batches F share of P×K batches drawn from one parent folder (an alphabet): within-
                        alphabet negatives, as in Lake's 20-way test (default 0)
  --margin M            loss margin (default: contrastive 1.0, triplet 0.2)
  --mining KIND         triplet mining: none | batch-all | batch-hard (default) | semi-hard
  --metric KIND         euclidean (default) | cosine
  --epochs N            epochs (default 10)
  --patience N          early stopping: stop after N validations without a better score (default off)
  --patience-from WHEN  start (default) | half-anneal: count the patience only once a cosine schedule is half done
  --pixel-fallback      save the pixel feature instead when the trained encoder does not beat raw pixels on validation
  --steps N             total optimiser steps (overrides the epoch length; validation still runs --epochs times)
  --max-minutes M       wall-clock budget: stop there, keep the best epoch; once the budget binds (the run would not
                        finish its steps in time), a cosine schedule anneals by the budget's end instead
  --steps-per-epoch N   steps between validations (default: one pass over the training images)
  --batch N             pairs per step (contrastive) or images per step (triplet, P×K) (default 32)
  --micro-batch N       contrastive: pairs per pass through the gradient tape, gradients summed into one step of
                        --batch pairs (the same step, less memory). Default: split only where a step would pass
                        what the wasm heap holds (about 64 images at 224×112 with 64 first-layer channels)
  --k N                 images per identity in a triplet batch (default 4)
  --lr X                Adam learning rate (default 1e-3)
  --lr-schedule KIND    constant (default) | cosine
  --weight-decay X      decoupled weight decay on kernels, w ← w·(1 − lr·X) per step (default 0)
  --ema D               validate and save an exponential moving average of the weights (decay D, e.g. 0.98)
  --augment KIND        none | affine (Koch et al. for characters) | affine-strong | faces | faces-occlude | faces-strong
                        | signatures | signatures-elastic (signatures plus Simard's elastic field)
                        | signatures-mend (signatures plus half the images' ink closed 3×3) (default none)
  --select KIND         best epoch by validation auc (default) | eer | oneshot | last (keep the final epoch)
  --target-far X        FAR of the 'atTargetFar' threshold (default 0.01)
  --threshold-rule R    default threshold: eer (default) | maxAccuracy | atTargetFar
  --seed N              seed of splits, sampling, augmentation and initial weights (default 42)
  --split-seed N        seed of the train/validation split alone (default: --seed); ensemble
                        members need the same split, so vary --seed and fix this
  --backend NAME        auto (default) | tensorflow-gpu | tensorflow | wasm | cpu
output
  --out MODEL_DIR       where the model directory is written (required)
  --name NAME           model name in the card (default: the folder name of --out)
  --json                one JSON line per epoch and a final JSON summary on stdout
  --quiet               no progress bar`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        data: { type: 'string', multiple: true },
        include: { type: 'string', multiple: true },
        exclude: { type: 'string', multiple: true },
        'val-fraction': { type: 'string' },
        'val-split': { type: 'string' },
        'val-fold': { type: 'string' },
        'save-val-scores': { type: 'string' },
        'calibration-scores': { type: 'string', multiple: true },
        'flip-average': { type: 'boolean' },
        'no-flip-average': { type: 'boolean' },
        'weight-decay': { type: 'string' },
        ema: { type: 'string' },
        backbone: { type: 'string' },
        'embedding-dim': { type: 'string' },
        norm: { type: 'string' },
        widths: { type: 'string' },
        param: { type: 'string', multiple: true },
        'input-size': { type: 'string' },
        channels: { type: 'string' },
        normalize: { type: 'string' },
        fit: { type: 'string' },
        crop: { type: 'string' },
        'ink-tone': { type: 'string' },
        'ink-mend': { type: 'string' },
        forgeries: { type: 'string' },
        genuine: { type: 'string' },
        'val-writers': { type: 'string', multiple: true },
        'forgery-share': { type: 'string' },
        'hard-writers': { type: 'string' },
        'synthetic-writers': { type: 'string' },
        from: { type: 'string' },
        'trunk-from': { type: 'string' },
        'trunk-member': { type: 'string' },
        'freeze-trunk-epochs': { type: 'string' },
        'trunk-extend': { type: 'boolean' },
        'face-stage': { type: 'string' },
        'face-cache': { type: 'string' },
        loss: { type: 'string' },
        margin: { type: 'string' },
        mining: { type: 'string' },
        scale: { type: 'string' },
        'rotate-classes': { type: 'boolean' },
        'mirror-classes': { type: 'boolean' },
        metric: { type: 'string' },
        epochs: { type: 'string' },
        steps: { type: 'string' },
        'steps-per-epoch': { type: 'string' },
        'max-minutes': { type: 'string' },
        batch: { type: 'string' },
        'micro-batch': { type: 'string' },
        k: { type: 'string' },
        lr: { type: 'string' },
        'lr-schedule': { type: 'string' },
        augment: { type: 'string' },
        select: { type: 'string' },
        'target-far': { type: 'string' },
        'threshold-rule': { type: 'string' },
        seed: { type: 'string' },
        'split-seed': { type: 'string' },
        'superclass-batches': { type: 'string' },
        backend: { type: 'string' },
        out: { type: 'string' },
        name: { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        recipe: { type: 'string' },
        patience: { type: 'string' },
        'patience-from': { type: 'string' },
        'pixel-fallback': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    console.error(`siamese train: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const json = Boolean(values.json);
  try {
    if (!values.data?.length) throw badInput('--data DIR is required');
    if (!values.out) throw badInput('--out MODEL_DIR is required');
    if (values['flip-average'] && values['no-flip-average']) throw badInput('--flip-average and --no-flip-average exclude each other');
    // Flag errors before the dataset is scanned.
    const trunk = trunkFrom(values);
    if (trunk && values.from)
      throw badInput('--from (warm start) and --trunk-from (a trunk for a fresh encoder) exclude each other: choose one');
    const dataSource = new FolderImageSource(values.data, {
      include: parseFilterList(values.include),
      exclude: parseFilterList(values.exclude),
    });
    // Issue 17: the auto recipe's settings are the defaults of the flags below; a flag given wins.
    const auto =
      choice('recipe', values.recipe, ['auto', 'manual'] as const, 'auto') === 'auto' ? await autoRecipeFor(values, dataSource) : undefined;
    const d = auto?.settings;
    if (auto && !values.quiet) {
      for (const x of auto.record.decisions) process.stderr.write(`recipe auto: ${x.rule} = ${x.value} (${x.why})\n`);
    }
    const loss = choice<LossKind>('loss', values.loss, ['contrastive', 'triplet', 'prototypical'], d?.loss ?? 'contrastive');
    const metric = choice<Metric>('metric', values.metric, METRICS, 'euclidean');
    const mining = choice<Mining>('mining', values.mining, MININGS, 'batch-hard');
    const size = parseSize(values['input-size'], d ? { width: d.width, height: d.height } : { width: 64, height: 64 });
    const channels = num('channels', values.channels, d?.channels ?? 1, { int: true, min: 1, max: 3 });
    if (channels !== 1 && channels !== 3) throw badInput('--channels must be 1 or 3');
    const preprocessing: PreprocessSpec = {
      width: size.width,
      height: size.height,
      channels,
      normalize: choice('normalize', values.normalize, ['unit', 'invert-unit', 'standard'] as const, d?.normalize ?? 'unit'),
      fit: choice('fit', values.fit, ['fill', 'contain', 'cover'] as const, 'fill'),
    };
    if (values.crop !== undefined) preprocessing.crop = choice('crop', values.crop, ['ink'] as const, 'ink');
    if (values['ink-tone'] !== undefined) {
      if (preprocessing.crop !== 'ink') throw badInput('--ink-tone needs --crop ink');
      preprocessing.inkTone = choice('ink-tone', values['ink-tone'], ['equalize'] as const, 'equalize');
    }
    if (values['ink-mend'] !== undefined) {
      if (preprocessing.crop !== 'ink') throw badInput('--ink-mend needs --crop ink');
      preprocessing.inkMend = choice('ink-mend', values['ink-mend'], ['close3'] as const, 'close3');
    }
    if (preprocessing.normalize === 'standard') {
      preprocessing.mean = Array(channels).fill(0.5);
      preprocessing.std = Array(channels).fill(0.25);
    }
    const backbone = values.backbone ?? d?.backbone ?? 'fast';
    const faceStage = choice(
      'face-stage',
      values['face-stage'],
      ['none', 'tiny', 'ssd'] as const,
      backbone === 'face-resnet29' ? 'tiny' : 'none',
    );
    if (backbone === 'face-resnet29') {
      const face =
        faceStage === 'none'
          ? undefined
          : { ...DEFAULT_FACE_STAGE, detector: faceStage, fallbackDetector: faceStage === 'tiny' ? ('ssd' as const) : undefined };
      Object.assign(preprocessing, faceResnetPreprocessing(face));
      if (!face) delete preprocessing.face;
    } else if (faceStage !== 'none') {
      preprocessing.face = {
        ...DEFAULT_FACE_STAGE,
        detector: faceStage,
        fallbackDetector: faceStage === 'tiny' ? 'ssd' : undefined,
        template: scaledTemplate(preprocessing.width, preprocessing.height),
      };
    }
    if (preprocessing.face) setDefaultFaceDetector(auto?.faceDetector ?? faceDetectorFor(values));
    const architecture: ArchitectureSpec = {
      backbone,
      embeddingDim: num('embedding-dim', values['embedding-dim'], d?.embeddingDim ?? 128, { int: true, min: 2, max: 4096 }),
      normalization: choice<NormLayer>('norm', values.norm, ['none', 'batch', 'group', 'instance'], 'none'),
      l2Normalize: backbone !== 'seed',
      params: backboneParams(values.widths, values.param),
    };
    if (Object.keys(architecture.params ?? {}).length === 0) delete architecture.params;
    const epochs = num('epochs', values.epochs, d?.epochs ?? 10, { int: true, min: 1 });
    const totalSteps = values.steps !== undefined ? num('steps', values.steps, 0, { int: true, min: 1 }) : undefined;
    const out = path.resolve(values.out);
    const name = values.name ?? path.basename(out);
    const trainArgs = ['npx', 'siamese', 'train', ...argv];
    const valFold = values['val-fold'] !== undefined ? parseFoldArg(values['val-fold']) : undefined;
    if (values['val-split'] !== undefined && (valFold || values.forgeries !== undefined))
      throw badInput(
        `--val-split applies to --val-fraction splits; ${valFold ? '--val-fold' : '--forgeries'} draws its own validation identities`,
      );
    const calibrationFiles = values['calibration-scores'] ?? [];
    const calibrationScores = calibrationFiles.length
      ? {
          scores: await readScoreFiles(calibrationFiles, metric),
          description: `out-of-fold validation scores (${calibrationFiles.map((f) => path.basename(f)).join(', ')})`,
        }
      : undefined;
    const source = dataSource;

    const bar = new ProgressBar(process.stderr, 24, 15, 'train');
    const faceBar = new ProgressBar(process.stderr, 24, 15, 'faces');
    const showBar = !values.quiet && !json;
    const result = await train(
      {
        name,
        architecture,
        preprocessing,
        metric,
        loss,
        margin: num('margin', values.margin, loss === 'contrastive' ? 1.0 : 0.2, { min: 0 }),
        mining,
        scale: num('scale', values.scale, 10, { min: 0.01 }),
        rotateClasses: Boolean(values['rotate-classes']),
        mirrorClasses: Boolean(values['mirror-classes']),
        superclassBatches: num('superclass-batches', values['superclass-batches'], 0, { min: 0, max: 1 }),
        epochs,
        stepsPerEpoch:
          totalSteps !== undefined
            ? Math.ceil(totalSteps / epochs)
            : values['steps-per-epoch'] !== undefined
              ? num('steps-per-epoch', values['steps-per-epoch'], 0, { int: true, min: 1 })
              : d?.stepsPerEpoch,
        maxSeconds: values['max-minutes'] !== undefined ? 60 * num('max-minutes', values['max-minutes'], 0, { min: 0.01 }) : undefined,
        batchSize: num('batch', values.batch, d?.batchSize ?? 32, { int: true, min: 2 }),
        microBatch: values['micro-batch'] !== undefined ? num('micro-batch', values['micro-batch'], 0, { int: true, min: 1 }) : undefined,
        k: num('k', values.k, d?.k ?? 4, { int: true, min: 2 }),
        learningRate: num('lr', values.lr, 1e-3, { min: 0 }),
        lrSchedule: choice('lr-schedule', values['lr-schedule'], ['constant', 'cosine'] as const, d?.lrSchedule ?? 'constant'),
        augment: choice<AugmentPreset>('augment', values.augment, AUGMENT_PRESETS, d?.augment ?? 'none'),
        valFraction: num('val-fraction', values['val-fraction'], d?.valFraction ?? 0.2, { min: 0, max: 0.9 }),
        valFold,
        valSplit: choice('val-split', values['val-split'], ['identity', 'superclass'] as const, 'identity'),
        flipAverage: (values['flip-average'] ?? (values['no-flip-average'] ? false : d?.flipAverage)) ? true : undefined,
        weightDecay: num('weight-decay', values['weight-decay'], d?.weightDecay ?? 0, { min: 0 }),
        patience: num('patience', values.patience, d?.patience ?? 0, { int: true, min: 0 }),
        patienceFrom: choice('patience-from', values['patience-from'], ['start', 'half-anneal'] as const, d?.patienceFrom ?? 'start'),
        pixelFallback: values['pixel-fallback'] ?? d?.pixelFallback ?? false,
        recipe: auto?.record,
        ema: num('ema', values.ema, 0, { min: 0, max: 0.9999 }),
        calibrationScores,
        selectBy: choice('select', values.select, ['auc', 'eer', 'oneshot', 'last'] as const, 'auc'),
        targetFar: num('target-far', values['target-far'], 0.01, { min: 0, max: 1 }),
        thresholdRule: choice<Thresholds['defaultRule']>(
          'threshold-rule',
          values['threshold-rule'],
          ['eer', 'maxAccuracy', 'atTargetFar'],
          'eer',
        ),
        seed: num('seed', values.seed, 42, { int: true, min: 0 }),
        splitSeed: values['split-seed'] === undefined ? undefined : num('split-seed', values['split-seed'], 42, { int: true, min: 0 }),
        backend: choice<BackendPreference>('backend', values.backend, BACKEND_PREFERENCES, 'auto'),
        from: values.from,
        trunkFrom: trunk,
        forgeries: forgeryLayout(values, loss),
        commands: { train: shellJoin(trainArgs), evaluate: [] },
      },
      source,
      {
        onLog: (m) => (json ? process.stderr.write(`${m}\n`) : bar.log(m)),
        onPrepare: (done, total) => {
          if (showBar) faceBar.update({ done, total, fields: { stage: 'faces' } });
          if (showBar && done === total) faceBar.done();
        },
        onStep: (s: StepInfo) => {
          if (!showBar) return;
          // Under a --max-minutes budget the clock may end the run before totalSteps: the bar's total is the
          // steps the ETA expects, so it fills with the time.
          const expected =
            s.elapsedSec > 0 && Number.isFinite(s.etaSec) ? s.step + Math.ceil((s.step * s.etaSec) / s.elapsedSec) : s.totalSteps;
          bar.update({
            done: s.step,
            total: Math.max(s.step, Math.min(s.totalSteps, expected)),
            etaSec: s.etaSec,
            fields: {
              epoch: String(s.epoch),
              loss: s.loss.toFixed(4),
              ...(s.activeFraction !== undefined ? { active: s.activeFraction.toFixed(2) } : {}),
              [`${s.itemLabel}/s`]: s.itemsPerSec.toFixed(1),
            },
          });
        },
        onEpoch: (e: EpochInfo) => {
          if (json) process.stdout.write(`${JSON.stringify({ type: 'epoch', ...e })}\n`);
          else bar.log(formatEpoch(e));
        },
      },
    );
    if (showBar) bar.done();
    const card = await saveTrainedModel(out, result.model, result.card);
    result.model.dispose();
    if (values['save-val-scores']) await writeScoreFile(path.resolve(values['save-val-scores']), result.validationScores, name, metric);
    const summaryOut = {
      type: 'result',
      out,
      version: card.version,
      fingerprint: card.fingerprint,
      bestEpoch: card.training.bestEpoch,
      wallTimeSec: card.training.wallTimeSec,
      validation: card.validation,
      thresholds: card.thresholds,
      baseline: validationBaseline(card),
      recipe: auto ? 'auto' : 'manual',
      warnings: card.warnings ?? [],
    };
    if (json) process.stdout.write(`${JSON.stringify(summaryOut)}\n`);
    else {
      console.log(
        `saved ${out} (version ${card.version}); best epoch ${card.training.bestEpoch}; ` +
          `validation AUC ${card.validation.auc.toFixed(4)}, EER ${(card.validation.eer * 100).toFixed(2)}%, ` +
          `threshold ${card.thresholds.default.toPrecision(4)} (${card.thresholds.defaultRule}); ${card.training.wallTimeSec}s`,
      );
      const b = validationBaseline(card);
      if (b)
        console.log(
          `  same validation pairs by raw pixels: Euclidean AUC ${b.pixelEuclidean.auc.toFixed(4)}, EER ${(b.pixelEuclidean.eer * 100).toFixed(2)}%; ` +
            `cosine AUC ${b.pixelCosine.auc.toFixed(4)}, EER ${(b.pixelCosine.eer * 100).toFixed(2)}%`,
        );
    }
    // Issue 14: said where it is seen (stderr, also under --json) as well as kept in the card.
    for (const w of card.warnings ?? []) console.error(`siamese train: warning: ${w}`);
    return 0;
  } catch (e) {
    if (isDomainError(e)) {
      if (json) process.stdout.write(`${JSON.stringify({ type: 'error', code: e.code, message: e.message })}\n`);
      console.error(`siamese train: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** --trunk-from / --trunk-member / --freeze-trunk-epochs: undefined without --trunk-from. */
function trunkFrom(values: {
  'trunk-from'?: string;
  'trunk-member'?: string;
  'freeze-trunk-epochs'?: string;
  'trunk-extend'?: boolean;
}): TrainOptions['trunkFrom'] {
  if (values['trunk-from'] === undefined) {
    if (values['trunk-member'] !== undefined) throw badInput('--trunk-member needs --trunk-from');
    if (values['trunk-extend']) throw badInput('--trunk-extend needs --trunk-from (a pretrained trunk to extend)');
    if (values['freeze-trunk-epochs'] !== undefined)
      throw badInput('--freeze-trunk-epochs needs --trunk-from (a pretrained trunk to keep)');
    return undefined;
  }
  const member = values['trunk-member'] === undefined ? undefined : num('trunk-member', values['trunk-member'], 0, { int: true, min: 0 });
  const freezeEpochs =
    values['freeze-trunk-epochs'] === undefined
      ? undefined
      : num('freeze-trunk-epochs', values['freeze-trunk-epochs'], 0, { int: true, min: 1 });
  // A frozen trunk trains the head alone (training/loop/trunk-freeze.ts): an extended trunk's fresh blocks would stay random.
  if (freezeEpochs !== undefined && values['trunk-extend']) {
    throw badInput(
      '--freeze-trunk-epochs and --trunk-extend exclude each other: the fresh blocks would not train while the trunk is frozen',
    );
  }
  return {
    model: values['trunk-from'],
    ...(member !== undefined ? { member } : {}),
    ...(freezeEpochs !== undefined ? { freezeEpochs } : {}),
    ...(values['trunk-extend'] ? { extend: true } : {}),
  };
}

/** The --forgeries options (signatures): undefined without --forgeries. */
function forgeryLayout(
  values: {
    forgeries?: string;
    genuine?: string;
    'val-writers'?: string[];
    'forgery-share'?: string;
    'hard-writers'?: string;
    'synthetic-writers'?: string;
  },
  loss: LossKind,
): ForgeryLayout | undefined {
  if (values.forgeries === undefined) {
    if (values['val-writers'] || values.genuine || values['forgery-share'] || values['hard-writers'] || values['synthetic-writers'])
      throw badInput('--val-writers, --genuine, --forgery-share, --hard-writers and --synthetic-writers need --forgeries');
    return undefined;
  }
  if (loss !== 'contrastive') throw badInput('--forgeries trains with forgery pairs: use --loss contrastive');
  const validationWriters = parseFilterList(values['val-writers']);
  if (!validationWriters) throw badInput('--forgeries needs --val-writers (the writers that choose the checkpoint and the thresholds)');
  return {
    genuineFolder: values.genuine ?? 'genuine',
    forgedFolder: values.forgeries,
    validationWriters,
    forgeryShare: num('forgery-share', values['forgery-share'], 0.5, { min: 0, max: 1 }),
    ...(values['hard-writers'] !== undefined
      ? { hardWriterShare: num('hard-writers', values['hard-writers'], 0, { min: 0, max: 1 }) }
      : {}),
    ...(values['synthetic-writers'] !== undefined
      ? { syntheticWriters: num('synthetic-writers', values['synthetic-writers'], 0, { int: true, min: 0, max: 5000 }) }
      : {}),
  };
}

/** The validation pairs' pixel baseline stored in the card (without its ROC points), if any. */
function validationBaseline(card: ModelCard) {
  const b = (card.evaluations?.validation as { baseline?: PixelBaseline } | undefined)?.baseline;
  return b ? baselineSummary(b) : undefined;
}

/**
 * The auto recipe for the folder: the dataset is described (a sample of images), and the flags the
 * user gave are passed as given so the rules that depend on them (a given loss → its batch shape) agree.
 */
async function autoRecipeFor(values: Record<string, string | boolean | string[] | undefined>, source: FolderImageSource) {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const given: Partial<RecipeSettings> = {};
  const loss = str('loss') ?? (values.forgeries !== undefined ? 'contrastive' : undefined);
  if (loss !== undefined) given.loss = choice<LossKind>('loss', loss, ['contrastive', 'triplet', 'prototypical'], 'contrastive');
  if (str('input-size') !== undefined) Object.assign(given, parseSize(str('input-size'), { width: 64, height: 64 }));
  if (str('channels') !== undefined) given.channels = num('channels', str('channels'), 1, { int: true, min: 1, max: 3 }) === 3 ? 3 : 1;
  if (str('normalize') !== undefined) given.normalize = str('normalize') as RecipeSettings['normalize'];
  if (str('augment') !== undefined) given.augment = choice<AugmentPreset>('augment', str('augment'), AUGMENT_PRESETS, 'none');
  if (str('k') !== undefined) given.k = num('k', str('k'), 4, { int: true, min: 2 });
  if (str('batch') !== undefined) given.batchSize = num('batch', str('batch'), 32, { int: true, min: 2 });
  if (str('margin') !== undefined) given.margin = num('margin', str('margin'), 1, { min: 0 });
  if (str('val-fraction') !== undefined) given.valFraction = num('val-fraction', str('val-fraction'), 0.2, { min: 0, max: 0.9 });
  if (str('embedding-dim') !== undefined) given.embeddingDim = num('embedding-dim', str('embedding-dim'), 128, { int: true, min: 2 });
  if (str('weight-decay') !== undefined) given.weightDecay = num('weight-decay', str('weight-decay'), 0, { min: 0 });
  if (str('epochs') !== undefined) given.epochs = num('epochs', str('epochs'), 10, { int: true, min: 1 });
  if (str('patience') !== undefined) given.patience = num('patience', str('patience'), 0, { int: true, min: 0 });
  if (str('patience-from') !== undefined)
    given.patienceFrom = choice('patience-from', str('patience-from'), ['start', 'half-anneal'] as const, 'start');
  if (str('lr-schedule') !== undefined)
    given.lrSchedule = choice('lr-schedule', str('lr-schedule'), ['constant', 'cosine'] as const, 'constant');
  if (str('steps-per-epoch') !== undefined) given.stepsPerEpoch = num('steps-per-epoch', str('steps-per-epoch'), 1, { int: true, min: 1 });
  if (values['pixel-fallback'] !== undefined) given.pixelFallback = Boolean(values['pixel-fallback']);
  if (str('backbone') !== undefined) given.backbone = str('backbone') as RecipeSettings['backbone'];
  if (values['flip-average'] !== undefined || values['no-flip-average'] !== undefined) given.flipAverage = Boolean(values['flip-average']);
  const description = await describeDataset(source);
  let faceDetector: FaceDetector | undefined;
  if (given.backbone === undefined && canHoldFaces(description)) {
    const fixed = encoderFixedBy(values);
    if (fixed) description.faceCheckSkipped = fixed;
    else {
      // Photos that can hold a face and no flag that fixes the encoder: look for faces (face-check.ts). The
      // detector (and its cache) is the one training's face stage will use, so no photo is detected twice.
      await initBackend(choice<BackendPreference>('backend', str('backend'), BACKEND_PREFERENCES, 'auto'));
      faceDetector = faceDetectorFor(values);
      const bar = values.quiet || values.json ? undefined : new ProgressBar(process.stderr, 24, 15, 'face check');
      const outcome = await faceCheckOrReason(source, faceDetector, {
        // A check settled early fills its bar: it is done, not aborted.
        onImage: (done, total, settled) => bar?.update({ done: settled ? total : done, total, fields: { stage: 'looking for faces' } }),
      });
      bar?.done();
      if ('faces' in outcome) description.faces = outcome.faces;
      else {
        description.faceCheckSkipped = outcome.skipped;
        faceDetector = undefined;
      }
    }
  }
  return { ...autoRecipe(description, given), faceDetector };
}

/**
 * A flag that makes the encoder something other than the pretrained face trunk, so the face check would only
 * cost time: a source model (`--from`, `--trunk-from`), or a from-scratch encoder's own settings, which the
 * trunk would silently override (its input is 150×150×3 aligned crops, its width and head are its own).
 */
function encoderFixedBy(values: Record<string, string | boolean | string[] | undefined>): string | undefined {
  if (values.from !== undefined) return '--from given, the encoder is the source model’s: no face check run';
  if (values['trunk-from'] !== undefined) return '--trunk-from given, the encoder starts from that trunk: no face check run';
  if (values['face-stage'] === 'none') return '--face-stage none given, and the face trunk needs aligned crops: no face check run';
  const scratch = ['input-size', 'channels', 'normalize', 'fit', 'widths', 'norm', 'embedding-dim'].find((k) => values[k] !== undefined);
  if (scratch) return `--${scratch} given, a setting of an encoder trained from scratch: no face check run`;
  return undefined;
}

/** face-api's detector, behind the disk cache unless `--face-cache none`. */
function faceDetectorFor(values: Record<string, string | boolean | string[] | undefined>): FaceDetector {
  const detector = new FaceApiDetector();
  const dir = values['face-cache'];
  return dir === 'none' ? detector : new CachedFaceDetector(detector, path.resolve(typeof dir === 'string' ? dir : '.cache/faces'));
}

function parseFoldArg(text: string): Fold {
  try {
    return parseFold(text);
  } catch (e) {
    throw badInput(`--val-fold: ${(e as Error).message}`);
  }
}

function backboneParams(widths: string | undefined, params: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const parse = (v: string): unknown => {
    if (/^-?\d+(\.\d+)?(,-?\d+(\.\d+)?)+$/.test(v)) return v.split(',').map(Number);
    if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    if (v === 'true' || v === 'false') return v === 'true';
    return v;
  };
  if (widths !== undefined) {
    const w = parse(widths);
    out.widths = Array.isArray(w) ? w : [w];
  }
  for (const p of params ?? []) {
    const i = p.indexOf('=');
    if (i <= 0) throw badInput(`--param must be KEY=VALUE (got '${p}')`);
    out[p.slice(0, i)] = parse(p.slice(i + 1));
  }
  return out;
}

function formatEpoch(e: EpochInfo): string {
  const parts = [
    `epoch ${e.epoch}`,
    `loss ${e.loss.toFixed(4)}`,
    ...(e.activeFraction !== undefined ? [`active ${e.activeFraction.toFixed(2)}`] : []),
    `val AUC ${e.valAuc.toFixed(4)}`,
    `EER ${(e.valEer * 100).toFixed(2)}%`,
    ...(e.valOneShot !== undefined ? [`1-shot ${(e.valOneShot * 100).toFixed(1)}%`] : []),
    `${e.elapsedSec.toFixed(0)}s`,
  ];
  return parts.join(' · ') + (e.best ? ' ★' : '');
}
