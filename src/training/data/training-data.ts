/**
 * Data preparation of a training run, before any step: drop byte-identical
 * duplicates and (for face models) faceless photos, split identities into
 * training and validation (seeded fraction or k-fold), decode the pixels, add
 * rotated and mirrored classes, and draw the fixed validation pairs and one-shot episodes
 * that every epoch is scored on.
 */
import type { PreprocessSpec } from '../../embedding/model-card';
import { DomainError, ErrorCode } from '../../errors';
import { dedupeByContent } from './dedupe';
import { DecodedImageCache, dropFaceless } from './image-cache';
import type { ImageRef, LabelledImageSource } from './labelled-image-source';
import { withMirroredClasses } from './mirrored-classes';
import { withRotatedClasses } from './rotated-classes';
import { splitForValidation, superclassOf, type IdentityGroups } from './split';
import { splitByFold } from '../evaluate/folds';
import { oneShotEpisodes, verificationPairs, type OneShotEpisode, type PairIndex } from '../evaluate/embed';
import type { IndexedPair } from '../samplers/pair.sampler';
import type { TrainHooks, TrainOptions } from '../train-options';

export interface TrainingData {
  /** Images used (after dropping duplicates and faceless photos), both splits. */
  images: ImageRef[];
  duplicatesDropped: number;
  /** Face models only: photos in which the face stage found no face. */
  facelessDropped: number;
  train: IdentityGroups;
  validation: IdentityGroups;
  /**
   * What each epoch is scored (and by default calibrated) on: the validation
   * split, or the training split when validation has fewer than 2 identities.
   */
  scoredOn: IdentityGroups;
  scoredOnTraining: boolean;
  /** Decoded training images (plus rotated and mirrored copies) and their identity groups, as the samplers index them. */
  trainPixels: Float32Array[];
  trainGroups: number[][];
  /** Decoded images of `scoredOn`. */
  valPixels: Float32Array[];
  /** The source's labelled pairs whose both images are training images. */
  explicitPairs: IndexedPair[];
  valPairs: PairIndex[];
  /**
   * With skilled forgeries (data/forgery-data.ts): trainForgeries[w] = indices in
   * trainPixels of the forgeries of training writer w (trainGroups[w]).
   */
  trainForgeries?: number[][];
  /** With skilled forgeries: validationForgeries[w] = indices in valPixels of the forgeries of validation writer w. */
  validationForgeries?: number[][];
  episodes: OneShotEpisode[];
  splitSeed: number;
}

export async function prepareTrainingData(
  options: TrainOptions,
  source: LabelledImageSource,
  preprocessing: PreprocessSpec,
  hooks: Pick<TrainHooks, 'onPrepare'>,
  log: (message: string) => void,
  startedAt: number,
): Promise<TrainingData> {
  const deduped = await dedupeByContent(source, await source.list());
  const dropped = deduped.dropped;
  if (dropped.length) log(`dropped ${dropped.length} byte-identical duplicate images (e.g. ${dropped[0].key} = ${dropped[0].duplicateOf})`);
  const cache = new DecodedImageCache(source, preprocessing);
  const { kept: images, faceless } = preprocessing.face
    ? await dropFaceless(cache, deduped.images, (done, total) => hooks.onPrepare?.(done, total))
    : { kept: deduped.images, faceless: [] as ImageRef[] };
  if (faceless.length)
    log(`face stage: no face found in ${faceless.length} of ${deduped.images.length} images (dropped; e.g. ${faceless[0].key})`);
  const splitSeed = options.splitSeed ?? options.seed;
  const split = options.valFold
    ? splitByFold(images, options.valFold)
    : splitForValidation(images, options.valFraction, splitSeed, options.valSplit);
  if (!options.valFold && options.valSplit === 'superclass' && split.validation.identities.length) {
    const held = [...new Set(split.validation.identities.map(superclassOf))];
    const share = Math.round(
      (100 * split.validation.identities.length) / (split.validation.identities.length + split.train.identities.length),
    );
    log(
      `validation: ${split.validation.identities.length} identities (${share} %) of ${held.length} held-out superclass${held.length === 1 ? '' : 'es'} (${held.join(', ')})`,
    );
  }
  if (split.train.identities.length < 2) {
    throw new DomainError(ErrorCode.DATASET_INVALID, `need at least 2 training identities, found ${split.train.identities.length}`);
  }
  const scoredOnTraining = split.validation.identities.length < 2;
  const scoredOn: IdentityGroups = scoredOnTraining ? split.train : split.validation;
  if (scoredOnTraining) {
    log(
      options.calibrationScores
        ? `no validation split: per-epoch scores are on training identities; thresholds from ${options.calibrationScores.description}`
        : 'warning: fewer than 2 validation identities; calibrating on training identities (optimistic)',
    );
  }
  let trainPixels = await cache.loadAll(split.train.images);
  const valPixels = await cache.loadAll(scoredOn.images);
  log(
    `decoded ${trainPixels.length} training + ${valPixels.length} validation images in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
  );
  let trainGroups: number[][] = split.train.groups;
  if (options.rotateClasses) {
    if (options.loss === 'contrastive' || options.from) log('note: rotated classes are added to the sampled training identities');
    ({ pixels: trainPixels, groups: trainGroups } = withRotatedClasses(trainPixels, split.train.groups, preprocessing));
    log(`rotated classes: ${split.train.groups.length} → ${trainGroups.length} training identities`);
  }
  if (options.mirrorClasses) {
    if (options.loss === 'contrastive' || options.from) log('note: mirrored classes are added to the sampled training identities');
    const before = trainGroups.length;
    ({ pixels: trainPixels, groups: trainGroups } = withMirroredClasses(trainPixels, trainGroups, preprocessing));
    log(`mirrored classes: ${before} → ${trainGroups.length} training identities`);
  }

  return {
    images,
    duplicatesDropped: dropped.length,
    facelessDropped: faceless.length,
    train: split.train,
    validation: split.validation,
    scoredOn,
    scoredOnTraining,
    trainPixels,
    trainGroups,
    valPixels,
    explicitPairs: await explicitPairs(source, split.train),
    valPairs: verificationPairs(scoredOn.groups, options.maxValNegatives ?? 20000, splitSeed + 1),
    episodes: oneShotEpisodes(scoredOn.identities, scoredOn.groups, options.oneShotWays ?? 20, 40, splitSeed + 2),
    splitSeed,
  };
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
