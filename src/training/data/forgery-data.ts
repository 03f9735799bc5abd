/**
 * Data preparation for verification against skilled forgeries (signatures):
 * the dataset is a folder per writer holding a folder of genuine signatures and
 * a folder of skilled forgeries of them (CEDAR: `NN/genuine`, `NN/forged`).
 *
 * What differs from data/training-data.ts, and why:
 * - identities are *writers*: the split is by writer (a writer's genuine and
 *   forged images are always on one side), from a fixed list of validation
 *   writers (splits/cedar/), so the held-out writers are never touched;
 * - training keeps the forgeries beside each writer's genuine images
 *   (`trainForgeries`) for the forgery pair sampler (samplers/forgery-pair.sampler.ts);
 * - validation pairs are what the model is for: genuine–genuine of a writer
 *   (same) against genuine–forgery of the same writer (different), so the
 *   checkpoint is chosen, and the thresholds calibrated, on skilled forgeries.
 */
import type { PreprocessSpec } from '../../embedding/model-card';
import { DomainError, ErrorCode } from '../../errors';
import type { PairIndex } from '../evaluate/embed';
import type { TrainHooks, TrainOptions } from '../train-options';
import { dedupeByContent } from './dedupe';
import { identityMatcher } from './identity-filter';
import { DecodedImageCache } from './image-cache';
import type { ImageRef, LabelledImageSource } from './labelled-image-source';
import { withMirroredWriters } from './mirrored-writers';
import { withHalfTurnedWriters } from './rotated-writers';
import { withSyntheticWriters } from './synthetic-writers';
import type { WriterPixels } from './transformed-writers';
import { groupByIdentity, type IdentityGroups } from './split';
import type { TrainingData } from './training-data';

/** Train option `forgeries`: how the folders say genuine and forged, and which writers validate. */
export interface ForgeryLayout {
  /** Name of the folder of a writer's genuine signatures (CEDAR: 'genuine'). */
  genuineFolder: string;
  /** Name of the folder of the skilled forgeries of that writer (CEDAR: 'forged'). */
  forgedFolder: string;
  /** Validation writers: identity-filter entries (names, ranges, /regex/, @FILE lines) matched against writer names. */
  validationWriters: string[];
  /** Share of training negatives that are forgeries of the anchor's writer (default 0.5). */
  forgeryShare?: number;
  /**
   * Share of the other-writer negatives drawn among the anchor writer's 5 nearest writers, refreshed from the
   * encoder every epoch (rule NEAR, session 46; loop/nearest-writers.refresh.ts). Default 0: any other writer.
   */
  hardWriterShare?: number;
  /**
   * Synthetic writers added to training (synthetic-writers.ts), after the real ones and their copies; never to
   * validation. Default 0.
   */
  syntheticWriters?: number;
  /** Seed of the synthetic writers (default: the run's seed). */
  syntheticSeed?: number;
}

export interface WriterImages {
  /** The writer's folder as an identity (e.g. `cedar-signatures/07`). */
  writer: string;
  genuine: ImageRef[];
  forged: ImageRef[];
}

/** Groups images by writer from the identity paths `…/WRITER/<genuineFolder|forgedFolder>`. */
export function groupByWriter(images: readonly ImageRef[], layout: Pick<ForgeryLayout, 'genuineFolder' | 'forgedFolder'>): WriterImages[] {
  const writers = new Map<string, WriterImages>();
  for (const img of images) {
    const parts = img.identity.split('/');
    const kind = parts.pop();
    if (kind !== layout.genuineFolder && kind !== layout.forgedFolder) {
      throw new DomainError(
        ErrorCode.DATASET_INVALID,
        `with forgeries, every image folder must be WRITER/${layout.genuineFolder} or WRITER/${layout.forgedFolder} (got ${img.identity})`,
        { identity: img.identity },
      );
    }
    const writer = parts.join('/');
    const entry = writers.get(writer) ?? { writer, genuine: [], forged: [] };
    (kind === layout.genuineFolder ? entry.genuine : entry.forged).push(img);
    writers.set(writer, entry);
  }
  return [...writers.values()].sort((a, b) => a.writer.localeCompare(b.writer, 'en', { numeric: true }));
}

/** Genuine–genuine pairs of each writer (same) and genuine–forgery pairs of the same writer (different). */
export function forgeryVerificationPairs(genuine: readonly (readonly number[])[], forged: readonly (readonly number[])[]): PairIndex[] {
  const pairs: PairIndex[] = [];
  genuine.forEach((g, w) => {
    for (let i = 0; i < g.length; i++) for (let j = i + 1; j < g.length; j++) pairs.push({ a: g[i], b: g[j], same: true });
    for (const a of g) for (const b of forged[w]) pairs.push({ a, b, same: false });
  });
  return pairs;
}

/** Writer's name for matching validation entries: without the dataset root's label, as --include sees it. */
export function writerName(writer: string): string {
  const parts = writer.split('/');
  return parts.length > 1 ? parts.slice(1).join('/') : writer;
}

/** What a model trained with `layout` was validated on: the validation writers' pairs, decoded (siamese ensemble). */
export interface ForgeryValidationSet {
  /** Writers after de-duplication (training and validation), as the card's `data.identities` counts them. */
  writers: number;
  /** Images after de-duplication, as the card's `data.images` counts them. */
  images: number;
  validationWriters: string[];
  pixels: Float32Array[];
  pairs: PairIndex[];
  /** groups[w] / forged[w]: indices in `pixels` of validation writer w's genuine signatures / forgeries. */
  groups: number[][];
  forged: number[][];
}

/** The validation writers and pairs exactly as prepareForgeryData draws them (same de-duplication and order). */
export async function loadForgeryValidation(
  source: LabelledImageSource,
  layout: ForgeryLayout,
  preprocessing: PreprocessSpec,
): Promise<ForgeryValidationSet> {
  const deduped = await dedupeByContent(source, await source.list());
  const { trainWriters, valWriters } = splitWriters(groupByWriter(deduped.images, layout), layout);
  const val = await writerSide(valWriters, new DecodedImageCache(source, preprocessing));
  return {
    writers: trainWriters.length + valWriters.length,
    images: deduped.images.length,
    validationWriters: valWriters.map((w) => writerName(w.writer)),
    pixels: val.pixels,
    pairs: forgeryVerificationPairs(val.groups.groups, val.forged),
    groups: val.groups.groups,
    forged: val.forged,
  };
}

function splitWriters(writers: WriterImages[], layout: ForgeryLayout): { trainWriters: WriterImages[]; valWriters: WriterImages[] } {
  const isValidation = identityMatcher({ include: layout.validationWriters });
  const valWriters = writers.filter((w) => isValidation(writerName(w.writer)) || isValidation(w.writer));
  const trainWriters = writers.filter((w) => !valWriters.includes(w));
  if (trainWriters.length < 2)
    throw new DomainError(ErrorCode.DATASET_INVALID, `need at least 2 training writers, found ${trainWriters.length}`);
  if (valWriters.length < 1) {
    throw new DomainError(ErrorCode.DATASET_INVALID, `no validation writer matches ${layout.validationWriters.join(', ')}`);
  }
  return { trainWriters, valWriters };
}

/** One side of the split, decoded: genuine images first (the identity groups), forgeries appended after them. */
async function writerSide(ws: WriterImages[], cache: DecodedImageCache) {
  const genuineGroups = groupByIdentity(ws.flatMap((w) => w.genuine.map((img) => ({ ...img, identity: w.writer }))));
  const forgedRefs = genuineGroups.identities.map((id) => ws.find((w) => w.writer === id)!.forged);
  const offset = genuineGroups.images.length;
  const forged: number[][] = [];
  let next = offset;
  for (const refs of forgedRefs) forged.push(refs.map(() => next++));
  const pixels = await cache.loadAll([...genuineGroups.images, ...forgedRefs.flat()]);
  return { groups: genuineGroups, forged, pixels };
}

/**
 * New writers from the training writers: the half turn first (`rotateClasses`; only 180°, see rotated-writers.ts),
 * then the mirror of every writer so far (`mirrorClasses`), so both give each writer the rectangle's four symmetries.
 */
function withWriterCopies(
  options: Pick<TrainOptions, 'rotateClasses' | 'mirrorClasses'>,
  pixels: Float32Array[],
  genuine: number[][],
  forged: number[][],
  shape: PreprocessSpec,
  log: (message: string) => void,
): WriterPixels {
  let writers: WriterPixels = { pixels, genuine, forged };
  const before = genuine.length;
  if (options.rotateClasses) writers = withHalfTurnedWriters(writers.pixels, writers.genuine, writers.forged, shape);
  if (options.mirrorClasses) writers = withMirroredWriters(writers.pixels, writers.genuine, writers.forged, shape);
  const copies = [options.rotateClasses && 'half-turned', options.mirrorClasses && 'mirrored'].filter(Boolean).join(' and ');
  if (copies) log(`${copies} writers: ${before} → ${writers.genuine.length} training writers`);
  return writers;
}

export async function prepareForgeryData(
  options: TrainOptions,
  source: LabelledImageSource,
  preprocessing: PreprocessSpec,
  _hooks: Pick<TrainHooks, 'onPrepare'>,
  log: (message: string) => void,
  startedAt: number,
): Promise<TrainingData & { trainForgeries: number[][] }> {
  const layout = options.forgeries!;
  const deduped = await dedupeByContent(source, await source.list());
  if (deduped.dropped.length) log(`dropped ${deduped.dropped.length} byte-identical duplicate images`);
  const { trainWriters, valWriters } = splitWriters(groupByWriter(deduped.images, layout), layout);
  log(
    `writers: ${trainWriters.length} training, ${valWriters.length} validation (${valWriters.map((w) => writerName(w.writer)).join(' ')})`,
  );

  const cache = new DecodedImageCache(source, preprocessing);
  const side = (ws: WriterImages[]) => writerSide(ws, cache);
  const train = await side(trainWriters);
  const val = await side(valWriters);
  log(
    `decoded ${train.pixels.length} training + ${val.pixels.length} validation images in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
  );
  const validation: IdentityGroups = val.groups;
  let writers = withWriterCopies(options, train.pixels, train.groups.groups, train.forged, preprocessing, log);
  if (layout.syntheticWriters) {
    const before = writers.genuine.length;
    const t0 = Date.now();
    writers = await withSyntheticWriters(writers, layout.syntheticWriters, layout.syntheticSeed ?? options.seed, preprocessing);
    log(`synthetic writers: ${before} → ${writers.genuine.length} training writers (drawn in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  return {
    images: deduped.images,
    duplicatesDropped: deduped.dropped.length,
    facelessDropped: 0,
    train: train.groups,
    validation,
    scoredOn: validation,
    scoredOnTraining: false,
    trainPixels: writers.pixels,
    trainGroups: writers.genuine,
    trainForgeries: writers.forged,
    validationForgeries: val.forged,
    valPixels: val.pixels,
    explicitPairs: [],
    valPairs: forgeryVerificationPairs(val.groups.groups, val.forged),
    episodes: [],
    splitSeed: options.splitSeed ?? options.seed,
  };
}
