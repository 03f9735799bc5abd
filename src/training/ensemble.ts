/**
 * Builds an ensemble model directory from trained members (see
 * src/embedding/backbones/ensemble.ts for the maths) and calibrates it the way
 * the trainer calibrates a single model: on the members' common validation
 * identities (same sources, val fraction and split seed, so no member has trained on
 * them), with the trainer's pairs (seed + 1) and one-shot episodes (seed + 2).
 * Members trained on different splits are refused: one member's validation
 * identities would be another's training data and the numbers would flatter.
 * Signature members (`--forgeries`) are calibrated like their trainer did: on the
 * validation writers' genuine–genuine against genuine–skilled-forgery pairs.
 */
import * as os from 'node:os';
import type * as tf from '@tensorflow/tfjs';
import { composeEnsemble } from '../embedding/backbones/ensemble';
import type { ModelCard } from '../embedding/model-card';
import { loadModelDir } from '../embedding/model-store';
import { DomainError, ErrorCode } from '../errors';
import { calibrate, type Calibration } from './calibration/calibrate';
import { calibrateLabelled } from './calibration/labelled-calibration';
import { calibrateReferences, type ReferenceCalibrationInput } from './calibration/reference-calibration';
import { dedupeByContent } from './data/dedupe';
import { loadForgeryValidation, type ForgeryLayout } from './data/forgery-data';
import { DecodedImageCache } from './data/image-cache';
import type { LabelledImageSource } from './data/labelled-image-source';
import { splitForValidation, type ValidationSplitKind } from './data/split';
import { oneShotAccuracy, oneShotEpisodes, siblingEpisodes, verificationPairs } from './evaluate/embed';
import { scoreVerification, scoringSpecOf } from './evaluate/verification-scoring';

export interface EnsembleOptions {
  memberDirs: string[];
  name: string;
  commands?: ModelCard['commands'];
  /**
   * The members' writer split when they were trained with --forgeries. Cards written since session 7
   * record it (hyperparameters.forgeries) and it is read from there; older members need it given.
   */
  forgeries?: ForgeryLayout;
  onLog?(message: string): void;
}

/** The writer split a card records, in a form that compares equal when the splits are the same. */
function recordedForgeries(card: ModelCard): ForgeryLayout | undefined {
  const f = card.hyperparameters.forgeries as ForgeryLayout | undefined;
  return f ? { genuineFolder: f.genuineFolder, forgedFolder: f.forgedFolder, validationWriters: [...f.validationWriters] } : undefined;
}

function sameWriterSplit(a: ForgeryLayout, b: ForgeryLayout): boolean {
  return (
    a.genuineFolder === b.genuineFolder &&
    a.forgedFolder === b.forgedFolder &&
    JSON.stringify([...a.validationWriters].sort()) === JSON.stringify([...b.validationWriters].sort())
  );
}

/** The split-defining fields of a member; equal for all members or the ensemble is refused. */
function splitKey(card: ModelCard, forgeries: ForgeryLayout | undefined): string {
  const h = card.hyperparameters;
  // A signature model's split is its list of validation writers (checked apart): the seed does not move it.
  return JSON.stringify({
    sources: card.data.sources,
    valFraction: h.valFraction,
    valFold: h.valFold ?? null,
    valSplit: h.valSplit ?? 'identity',
    splitSeed: forgeries ? 'writers' : splitSeedOf(card),
  });
}

/** How the trainer drew its validation identities (`--val-split`); cards before it have none: 'identity'. */
function validationSplitOf(card: ModelCard): ValidationSplitKind {
  return card.hyperparameters.valSplit === 'superclass' ? 'superclass' : 'identity';
}

/** The seed the trainer split with: `--split-seed` when given, else `--seed`. */
function splitSeedOf(card: ModelCard): number {
  const s = card.hyperparameters.splitSeed;
  return typeof s === 'number' ? s : card.seed;
}

export async function buildEnsemble(
  options: EnsembleOptions,
  sourceFor: (card: ModelCard) => LabelledImageSource,
): Promise<{ model: tf.LayersModel; card: ModelCard; calibration: Calibration }> {
  const log = options.onLog ?? (() => undefined);
  if (options.memberDirs.length < 2) throw new DomainError(ErrorCode.BAD_USER_INPUT, 'an ensemble needs at least two --model directories');
  const loaded = await Promise.all(options.memberDirs.map((d) => loadModelDir(d)));
  // An ensemble given as a member contributes its own members: a new member joins with equal weight.
  const members = loaded.flatMap((m) => (m.card.architecture.backbone === 'ensemble' ? nestedMembers(m) : [m]));
  if (members.length < 2) throw new DomainError(ErrorCode.BAD_USER_INPUT, 'an ensemble needs at least two members');
  const first = members[0].card;
  const forgeries = options.forgeries ?? members.map((m) => recordedForgeries(m.card)).find((f) => f);
  for (const m of members) {
    const why =
      JSON.stringify(m.card.preprocessing) !== JSON.stringify(first.preprocessing)
        ? 'preprocessing differs'
        : m.card.metric !== 'euclidean' || first.metric !== 'euclidean'
          ? 'only euclidean members can be averaged this way'
          : !m.card.architecture.l2Normalize
            ? 'members must end L2-normalised'
            : splitKey(m.card, forgeries) !== splitKey(first, forgeries)
              ? 'members were trained on different data or validation splits'
              : m.card.thresholds.referenceShift !== first.thresholds.referenceShift
                ? `members set different verifyIdentity rules (thresholds.referenceShift ${m.card.thresholds.referenceShift} and ${first.thresholds.referenceShift})`
                : undefined;
    if (why) throw new DomainError(ErrorCode.BAD_USER_INPUT, `cannot ensemble ${m.card.name} with ${first.name}: ${why}`);
  }
  if (first.hyperparameters.valFold)
    throw new DomainError(
      ErrorCode.BAD_USER_INPUT,
      'members validated on a fold: ensemble calibration supports --val-fraction splits only',
    );
  for (const m of members) {
    const recorded = recordedForgeries(m.card);
    if (forgeries && recorded && !sameWriterSplit(forgeries, recorded))
      throw new DomainError(
        ErrorCode.BAD_USER_INPUT,
        `cannot ensemble ${m.card.name}: it validated on writers ${recorded.validationWriters.join(' ')}, not ${forgeries.validationWriters.join(' ')}`,
      );
  }
  const model = await composeEnsemble(
    members.map((m) => m.model),
    'ensemble',
  );
  loaded.forEach((m) => m.model.dispose());

  const card: ModelCard = {
    ...first,
    name: options.name,
    version: '',
    createdAt: new Date().toISOString(),
    architecture: {
      backbone: 'ensemble',
      embeddingDim: members.reduce((s, m) => s + m.card.architecture.embeddingDim, 0),
      normalization: 'none',
      l2Normalize: true,
      params: { members: members.map((m) => ({ name: m.card.name, version: m.card.version, architecture: m.card.architecture })) },
    },
    fingerprint: '',
  };

  const source = sourceFor(first);
  const { calibration, validation } = forgeries
    ? await calibrateOnForgeries(model, card, first, source, forgeries, members.length, log)
    : await calibrateOnIdentities(model, card, first, source, members.length, log);

  card.thresholds = calibration.thresholds;
  card.roc = calibration.roc;
  card.validation = calibration.metrics;
  card.evaluations = {
    validation,
    members: members.map((m) => ({
      name: m.card.name,
      version: m.card.version,
      validation: m.card.validation,
      evaluations: m.card.evaluations?.validation,
    })),
  };
  card.hyperparameters = {
    ...(forgeries
      ? {
          forgeries: {
            ...forgeries,
            forgeryShare: undefined,
            hardWriterShare: undefined,
            hardWriters: undefined,
            syntheticWriters: undefined,
            syntheticSeed: undefined,
          },
        }
      : {}),
    ensembleOf: members.map((m) => ({
      name: m.card.name,
      version: m.card.version,
      hyperparameters: m.card.hyperparameters,
      train: m.card.commands.train,
    })),
  };
  // Totals over the directories given (a nested ensemble's card already sums its members).
  card.training = {
    wallTimeSec: +loaded.reduce((s, m) => s + m.card.training.wallTimeSec, 0).toFixed(1),
    steps: loaded.reduce((s, m) => s + m.card.training.steps, 0),
    epochs: loaded.reduce((s, m) => s + m.card.training.epochs, 0),
    bestEpoch: 0,
    backend: first.training.backend,
    machine: `${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'} (${os.platform()})`,
  };
  // The full recipe: each member's training command, then this ensemble command.
  card.commands = options.commands
    ? { ...options.commands, train: [...members.map((m) => m.card.commands.train).filter((c) => c), options.commands.train].join(' && ') }
    : { train: '', evaluate: [] };
  card.notes =
    `Ensemble of ${members.map((m) => m.card.name).join(' + ')} (squared distance = mean of the members'). ${first.notes ?? ''}`.trim();
  return { model, card, calibration };
}

/** The data the members trained on must be the data given (same filters), or the split is not theirs. */
function checkSameData(first: ModelCard, identities: number, images: number): void {
  if (images !== first.data.images || identities !== first.data.identities) {
    // e.g. the members were trained with --include s1..s30 and the source is all of ORL.
    throw new DomainError(
      ErrorCode.DATASET_INVALID,
      `the data (${identities} identities, ${images} images) is not what the members trained on (${first.data.identities}, ${first.data.images}); pass the same --include/--exclude`,
    );
  }
}

/**
 * verifyIdentity's thresholds for the ensemble, on the validation set the calibration used (as the trainer does).
 * `referenceShift`: rule SPREAD's β from the first member's card (metric/spread-threshold.ts; recalibrate.sh with
 * SHIFT=β sets it in the copy it joins), kept in the ensemble's card and calibrated for.
 */
function withReferences(
  calibration: Calibration,
  input: Omit<ReferenceCalibrationInput, 'rule'>,
  referenceShift: number | undefined,
): void {
  if (referenceShift !== undefined) calibration.thresholds.referenceShift = referenceShift;
  const references = calibrateReferences({ ...input, rule: calibration.thresholds });
  if (references.length) calibration.thresholds.references = references;
  // Per-identity thresholds from labelled negatives: only with skilled forgeries (labelled-calibration.ts).
  const labelled = calibrateLabelled({ ...input, references, rule: calibration.thresholds });
  if (labelled.length) calibration.thresholds.labelled = labelled;
}

interface NestedMemberRecord {
  name: string;
  version: string;
  architecture: ModelCard['architecture'];
}

/**
 * The members of a saved ensemble, each with the card it was built from as far as the ensemble's card
 * keeps it (name, version, architecture, hyperparameters, training command, validation). They share the
 * ensemble's data and validation split, so each gets the split seed the ensemble was calibrated with.
 */
function nestedMembers(ensemble: { model: tf.LayersModel; card: ModelCard }): Array<{ model: tf.LayersModel; card: ModelCard }> {
  const c = ensemble.card;
  const records = (c.architecture.params?.members ?? []) as NestedMemberRecord[];
  const recipes = (c.hyperparameters.ensembleOf ?? []) as Array<{ hyperparameters: Record<string, unknown>; train?: string }>;
  const measured = (c.evaluations?.members ?? []) as Array<{ validation?: ModelCard['validation']; evaluations?: unknown }>;
  // composeEnsemble applies each member as a nested model, in order, between the input and the concatenation.
  const models = ensemble.model.layers.filter((l) => 'layers' in l) as unknown as tf.LayersModel[];
  if (models.length !== records.length || recipes.length !== records.length) {
    throw new DomainError(
      ErrorCode.MODEL_INCOMPATIBLE,
      `${c.name}: an ensemble whose card lists ${records.length} members but holds ${models.length} nested models cannot be extended`,
    );
  }
  const splitSeed = splitSeedOf({ ...c, hyperparameters: recipes[0].hyperparameters });
  return models.map((model, i) => ({
    model,
    card: {
      ...c,
      name: records[i].name,
      version: records[i].version,
      architecture: records[i].architecture,
      hyperparameters: { ...recipes[i].hyperparameters, splitSeed },
      validation: measured[i]?.validation ?? c.validation,
      evaluations: { validation: measured[i]?.evaluations },
      commands: { train: recipes[i].train ?? '', evaluate: [] },
    },
  }));
}

/** Validation exactly as the trainer drew it: the identity split, its pairs (seed + 1) and one-shot episodes. */
async function calibrateOnIdentities(
  model: tf.LayersModel,
  card: ModelCard,
  first: ModelCard,
  source: LabelledImageSource,
  memberCount: number,
  log: (message: string) => void,
): Promise<{ calibration: Calibration; validation: Record<string, unknown> }> {
  // The trainer dropped byte-identical duplicates before splitting; so must we.
  const { images } = await dedupeByContent(source, await source.list());
  checkSameData(first, new Set(images.map((i) => i.identity)).size, images.length);
  const split = splitForValidation(images, Number(first.hyperparameters.valFraction), splitSeedOf(first), validationSplitOf(first));
  const val = split.validation;
  if (val.identities.length < 2)
    throw new DomainError(ErrorCode.DATASET_INVALID, 'the members have fewer than 2 validation identities to calibrate on');
  const pixels = await new DecodedImageCache(source, first.preprocessing).loadAll(val.images);
  // The trainer's validation pairs (seed + 1), scored on the trainer's path.
  const {
    embeddings: emb,
    scores,
    roc,
  } = scoreVerification(model, pixels, verificationPairs(val.groups, 20000, splitSeedOf(first) + 1), scoringSpecOf(card));
  const calibration = calibrate(scores, { targetFar: first.thresholds.targetFar, defaultRule: first.thresholds.defaultRule }, roc);
  withReferences(
    calibration,
    { embeddings: emb, groups: val.groups, metric: card.metric, seed: splitSeedOf(first) },
    first.thresholds.referenceShift,
  );
  const episodes = oneShotEpisodes(val.identities, val.groups, 20, 40, splitSeedOf(first) + 2);
  const oneShot = episodes.length ? oneShotAccuracy(emb, episodes, card.metric) : undefined;
  const siblings = siblingEpisodes(val.identities, val.groups, 5, 20, 40, splitSeedOf(first) + 3);
  const siblingOneShot = siblings.length ? oneShotAccuracy(emb, siblings, card.metric) : undefined;
  log(
    `ensemble of ${memberCount}: validation AUC ${calibration.metrics.auc.toFixed(4)}, EER ${(calibration.metrics.eer * 100).toFixed(2)} %` +
      (oneShot !== undefined ? `, 20-way one-shot ${(oneShot * 100).toFixed(1)} %` : '') +
      (siblingOneShot !== undefined ? `, within-parent one-shot ${(siblingOneShot * 100).toFixed(1)} %` : ''),
  );
  return {
    calibration,
    validation: {
      identities: val.identities.length,
      images: val.images.length,
      oneShotWays: 20,
      oneShotAccuracy: oneShot,
      ...(siblingOneShot !== undefined
        ? {
            withinParentOneShot: {
              accuracy: siblingOneShot,
              episodes: siblings.length,
              ways: [...new Set(siblings.map((e) => e.support.length))].sort((a, b) => a - b),
            },
          }
        : {}),
      calibratedOn: 'validation identities',
    },
  };
}

/** Signature members: the validation writers' genuine–genuine against genuine–forgery pairs, as the trainer scored them. */
async function calibrateOnForgeries(
  model: tf.LayersModel,
  card: ModelCard,
  first: ModelCard,
  source: LabelledImageSource,
  forgeries: ForgeryLayout,
  memberCount: number,
  log: (message: string) => void,
): Promise<{ calibration: Calibration; validation: Record<string, unknown> }> {
  const set = await loadForgeryValidation(source, forgeries, first.preprocessing);
  checkSameData(first, set.writers, set.images);
  if (set.validationWriters.length !== first.data.validationIdentities)
    throw new DomainError(
      ErrorCode.DATASET_INVALID,
      `the members validated on ${first.data.validationIdentities} writers; --val-writers matches ${set.validationWriters.length}`,
    );
  const { embeddings, scores, roc } = scoreVerification(model, set.pixels, set.pairs, scoringSpecOf(card));
  const calibration = calibrate(scores, { targetFar: first.thresholds.targetFar, defaultRule: first.thresholds.defaultRule }, roc);
  withReferences(
    calibration,
    { embeddings, groups: set.groups, forged: set.forged, metric: card.metric, seed: splitSeedOf(first) },
    first.thresholds.referenceShift,
  );
  log(
    `ensemble of ${memberCount}: validation writers ${set.validationWriters.join(' ')}, genuine against skilled forgeries: ` +
      `AUC ${calibration.metrics.auc.toFixed(4)}, EER ${(calibration.metrics.eer * 100).toFixed(2)} %`,
  );
  return {
    calibration,
    validation: {
      writers: set.validationWriters,
      images: set.pixels.length,
      calibratedOn: 'validation writers: genuine–genuine against genuine–skilled-forgery pairs',
    },
  };
}
