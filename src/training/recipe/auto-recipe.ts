/**
 * The auto recipe (issue 17), `siamese train`'s default: training settings
 * chosen from what the folder holds (describe-dataset.ts), each with the rule
 * that chose it, so a user who brings their own images gets an encoder tuned
 * to them without knowing the knobs. Every flag given on the command line wins
 * over its rule (the decision then says so). README "Training on your own
 * images: the auto recipe" has the same rules as a table.
 *
 * Pure: a description in, settings and decisions out (unit-tested on
 * hand-made descriptions).
 */
import type { AugmentPreset } from '../augment/affine.augment';
import type { LossKind } from '../losses';
import type { DatasetDescription } from './describe-dataset';
import { FACE_CHECK_MIN_SIDE, FACE_SHARE, showsFaces } from './face-check';
import type { RecipeDecision, RecipeRecord } from './recipe.types';

export interface RecipeSettings {
  /** The encoder: trained from scratch, or the pretrained face trunk for face photos. */
  backbone: 'fast' | 'face-resnet29';
  width: number;
  height: number;
  channels: 1 | 3;
  normalize: 'unit' | 'invert-unit' | 'standard';
  augment: AugmentPreset;
  loss: LossKind;
  /** Pairs per step (contrastive) or P×K images per step. */
  batchSize: number;
  k: number;
  margin: number;
  valFraction: number;
  embeddingDim: number;
  weightDecay: number;
  epochs: number;
  patience: number;
  patienceFrom: 'start' | 'half-anneal';
  lrSchedule: 'constant' | 'cosine';
  stepsPerEpoch: number;
  pixelFallback: boolean;
  /** Test-time flip averaging, L2(f(x) + f(mirror x)), stored in the card. */
  flipAverage: boolean;
}

export type RecipeKey = keyof RecipeSettings;

/** The flag that overrides each setting (for the "--flag given" decisions). */
export const RECIPE_FLAGS: Record<RecipeKey, string> = {
  backbone: '--backbone',
  width: '--input-size',
  height: '--input-size',
  channels: '--channels',
  normalize: '--normalize',
  augment: '--augment',
  loss: '--loss',
  batchSize: '--batch',
  k: '--k',
  margin: '--margin',
  valFraction: '--val-fraction',
  embeddingDim: '--embedding-dim',
  weightDecay: '--weight-decay',
  epochs: '--epochs',
  patience: '--patience',
  patienceFrom: '--patience-from',
  lrSchedule: '--lr-schedule',
  stepsPerEpoch: '--steps-per-epoch',
  pixelFallback: '--pixel-fallback',
  flipAverage: '--flip-average / --no-flip-average',
};

/** Longest input side: the CPU budget of a 2-core machine (and enough for glyphs and small faces). */
export const MAX_SIDE = 48;
export const MIN_SIDE = 16;
/** Fewer identities than this is "few classes": strong augmentation, smaller embedding, pixel fallback. */
export const FEW_CLASSES = 10;
/** Validation identities the split aims for (the training warning fires below it). */
export const TARGET_VAL_IDENTITIES = 5;
/** Images per P×K step (P identities × K images). */
const PK_IMAGES = 64;
/**
 * Validations in a run (the cosine schedule's length). Session 18 tried letting a --max-minutes budget set the
 * length instead; on validation it tied this with a patience counted from half way, and was not reproducible
 * (docs/experiments/auto-recipe-length/RULE-4.md).
 */
export const RECIPE_EPOCHS = 40;
/**
 * Trained epochs with the pretrained face trunk (11 validations: the trainer also validates the start). The trunk
 * is frozen and its head starts as the identity, so epoch 0 is the pretrained descriptor, which the trainer keeps
 * unless training beats it; on LFW, head training never did (docs/faces.md, ablation), and each step runs a
 * 29-layer ResNet at 150×150.
 */
export const FACE_TRUNK_EPOCHS = 10;

/**
 * Whether the folder's images can hold a detectable face at all: photos (not ink) whose median shorter side is at
 * least FACE_CHECK_MIN_SIDE. Written so that an unknown size (NaN: an empty folder) is "no".
 */
export function canHoldFaces(d: DatasetDescription): boolean {
  return !looksLikeInk(d) && Math.min(d.medianWidth, d.medianHeight) >= FACE_CHECK_MIN_SIDE;
}

/** Whether the pretrained face trunk applies, and why (or why not). */
export function faceTrunkFor(d: DatasetDescription): { use: boolean; why: string } {
  if (looksLikeInk(d)) return { use: false, why: 'ink, not photos' };
  if (!(d.medianWidth > 0 && d.medianHeight > 0)) return { use: false, why: 'no image size could be read' };
  if (!canHoldFaces(d))
    return { use: false, why: `median image ${d.medianWidth}×${d.medianHeight} px: too small to hold a detectable face` };
  if (d.faceCheckSkipped) return { use: false, why: d.faceCheckSkipped };
  if (!d.faces) return { use: false, why: 'photos, but face detection was not run' };
  const found = `faces in ${d.faces.withFace} of ${d.faces.checked} sampled photos`;
  const need = `${(FACE_SHARE * 100).toFixed(0)} % of ${d.faces.sample} needed`;
  return showsFaces(d.faces)
    ? {
        use: true,
        why: `${found} (${need}): dlib's pretrained face ResNet with the face stage (detect, align, 150×150 crop), its head trainable; the trainer keeps the pretrained descriptor unless training beats it on validation`,
      }
    : { use: false, why: `${found} (${need}): not a face folder, so an encoder from scratch` };
}

/** Ink on paper: grey, mostly near-white, a small share of dark strokes (characters, signatures, drawings). */
export function looksLikeInk(d: DatasetDescription): boolean {
  return d.greyShare >= 0.9 && d.lightShare >= 0.6 && d.darkShare <= 0.25;
}

function multipleOf4(x: number): number {
  return Math.max(MIN_SIDE, Math.round(x / 4) * 4);
}

/** Input size: the median image's aspect (clamped to 1:2–2:1), longer side min(median, 48) px, multiples of 4. */
export function inputSizeFor(medianWidth: number, medianHeight: number): { width: number; height: number } {
  if (!(medianWidth > 0 && medianHeight > 0)) return { width: MAX_SIDE, height: MAX_SIDE };
  const aspect = Math.min(2, Math.max(0.5, medianWidth / medianHeight));
  const long = multipleOf4(Math.min(MAX_SIDE, Math.max(medianWidth, medianHeight)));
  return aspect >= 1 ? { width: long, height: multipleOf4(long / aspect) } : { width: multipleOf4(long * aspect), height: long };
}

/** Validation identities: 20 % from 25 identities on, else 5 (10–24), else a third (at least 2; none under 4). */
export function validationIdentities(identities: number): number {
  if (identities >= 25) return Math.round(identities * 0.2);
  if (identities >= FEW_CLASSES) return TARGET_VAL_IDENTITIES;
  if (identities < 4) return 0;
  return Math.max(2, Math.floor(identities / 3));
}

export interface AutoRecipe {
  settings: RecipeSettings;
  record: RecipeRecord;
}

/**
 * Settings for `d`; `given` holds the settings the user set by flag (their
 * values win and are taken as they are, but still shape the dependent rules
 * where noted: a given loss picks the batch shape of that loss).
 */
export function autoRecipe(d: DatasetDescription, given: Partial<RecipeSettings> = {}): AutoRecipe {
  const decisions: RecipeDecision[] = [];
  const settings = {} as RecipeSettings;
  const decide = <K extends RecipeKey>(key: K, rule: string, value: RecipeSettings[K], why: string) => {
    const flagged = given[key] !== undefined;
    settings[key] = flagged ? (given[key] as RecipeSettings[K]) : value;
    decisions.push(
      flagged ? { rule, value: settings[key], why: `${RECIPE_FLAGS[key]} given (the rule would choose ${value})` } : { rule, value, why },
    );
  };
  const few = d.identities < FEW_CLASSES;
  const ink = looksLikeInk(d);
  const perId = d.imagesPerIdentity.median;

  const trunk = faceTrunkFor(d);
  decide(
    'backbone',
    'encoder',
    trunk.use ? 'face-resnet29' : 'fast',
    trunk.use ? trunk.why : `fast conv encoder from scratch (${trunk.why})`,
  );
  // A given --backbone skips the face check, so there is no rule's choice to report beside it.
  if (given.backbone !== undefined && !d.faces && !ink) decisions[decisions.length - 1].why = '--backbone given (no face check run)';
  const faceTrunk = settings.backbone === 'face-resnet29';
  const trunkInput = 'the pretrained face trunk takes 150×150 RGB aligned face crops, mean-subtracted as dlib trained it';

  const size = faceTrunk ? { width: 150, height: 150 } : inputSizeFor(d.medianWidth, d.medianHeight);
  const sizeWhy = faceTrunk
    ? trunkInput
    : `median image ${d.medianWidth}×${d.medianHeight} px of ${d.sampled} sampled: its aspect, longer side capped at ${MAX_SIDE} px, multiples of 4`;
  decide('width', 'input width', size.width, sizeWhy);
  decide('height', 'input height', size.height, sizeWhy);
  decide(
    'channels',
    'channels',
    faceTrunk ? 3 : d.greyShare >= 0.95 ? 1 : 3,
    faceTrunk ? trunkInput : `${(d.greyShare * 100).toFixed(0)} % of sampled images have equal colour channels (grey from 95 %)`,
  );
  decide(
    'normalize',
    'normalisation',
    faceTrunk ? 'standard' : ink ? 'invert-unit' : 'unit',
    faceTrunk
      ? trunkInput
      : ink
        ? `ink on paper (${(d.lightShare * 100).toFixed(0)} % near-white, ${(d.darkShare * 100).toFixed(0)} % dark pixels): ink = 1, paper = 0`
        : `photos (${(d.lightShare * 100).toFixed(0)} % near-white pixels): intensity / 255`,
  );
  const augment: AugmentPreset = ink ? (few ? 'affine-strong' : 'affine') : few ? 'faces-strong' : 'faces';
  decide(
    'augment',
    'augmentation',
    augment,
    (ink
      ? 'ink is orientation-sensitive (a mirrored glyph is another glyph): affine warps, no flips'
      : 'photos: mild geometry, horizontal flips, lighting') + (few ? `; strong because there are under ${FEW_CLASSES} identities` : ''),
  );

  const nVal = validationIdentities(d.identities);
  decide(
    'valFraction',
    'validation split',
    d.identities > 0 ? nVal / d.identities : 0,
    nVal === 0
      ? `${d.identities} identities: too few to hold any out (the card warns; thresholds are optimistic)`
      : `${nVal} of ${d.identities} identities held out` +
          (nVal < TARGET_VAL_IDENTITIES ? ` (under ${TARGET_VAL_IDENTITIES}: the card warns that validation is thin)` : ''),
  );
  const trainIdentities = Math.max(2, d.identities - Math.round(d.identities * settings.valFraction));

  decide(
    'loss',
    'loss',
    perId <= 2 ? 'contrastive' : 'prototypical',
    perId <= 2
      ? `median ${perId} images per identity: too few for P×K batches, so balanced pairs (contrastive)`
      : `median ${perId} images per identity: P×K batches with nearest-prototype softmax (prototypical)`,
  );
  const contrastive = settings.loss === 'contrastive';
  const k = Math.max(2, Math.min(4, Math.floor(perId)));
  decide('k', 'images per identity in a batch (K)', k, `K = min(median images per identity ${perId}, 4), at least 2`);
  const p = Math.max(2, Math.min(trainIdentities, Math.floor(PK_IMAGES / settings.k)));
  decide(
    'batchSize',
    'batch',
    contrastive ? 32 : p * settings.k,
    contrastive
      ? '32 balanced pairs per step'
      : `P × K = ${p} × ${settings.k}: P = min(training identities ${trainIdentities}, ${PK_IMAGES}/K)`,
  );
  decide(
    'margin',
    'margin',
    settings.loss === 'triplet' ? 0.2 : 1.0,
    settings.loss === 'triplet'
      ? 'triplet on L2-normalised embeddings'
      : 'contrastive margin on L2-normalised embeddings (unused by prototypical)',
  );
  decide(
    'embeddingDim',
    'embedding size',
    faceTrunk ? 128 : few ? 32 : 128,
    faceTrunk
      ? "the face trunk's 128-d descriptor (its head starts as the identity)"
      : few
        ? `under ${FEW_CLASSES} identities: a small embedding overfits less`
        : '128 (enough for thousands of identities)',
  );
  decide(
    'weightDecay',
    'weight decay',
    few && !faceTrunk ? 0.05 : 0,
    faceTrunk
      ? 'none: the trunk is frozen, and decay would pull the identity-initialised head away from the pretrained descriptor'
      : few
        ? `under ${FEW_CLASSES} identities: decoupled weight decay as extra regularisation`
        : 'none (augmentation and early stopping regularise)',
  );
  const imagesPerStep = contrastive ? 2 * settings.batchSize : settings.batchSize;
  const trainImages = Math.max(1, Math.round(d.images * (1 - settings.valFraction)));
  decide(
    'stepsPerEpoch',
    'steps between validations',
    Math.max(10, Math.ceil(trainImages / imagesPerStep)),
    `one pass over ~${trainImages} training images, at least 10 steps (validation is not free)`,
  );
  decide(
    'epochs',
    'epochs',
    faceTrunk ? FACE_TRUNK_EPOCHS : RECIPE_EPOCHS,
    faceTrunk
      ? `${FACE_TRUNK_EPOCHS} trained epochs after validating the start: epoch 0 is the pretrained descriptor, kept unless training beats it, and head training rarely does (docs/faces.md)`
      : `at most ${RECIPE_EPOCHS} validations; early stopping usually ends sooner, and --max-minutes stops the run if it binds`,
  );
  decide('patience', 'early stopping', 8, 'stop after 8 validations without a better validation AUC; keep the best');
  decide('lrSchedule', 'learning-rate schedule', 'cosine', 'cosine to 1 % over the run (over --max-minutes instead once the budget binds)');
  // RULE-2.md and RULE-4.md: eight noisy validations at a high learning rate used to end runs before the
  // schedule had annealed (omniglot stopped at epoch 23 of 40, best 15).
  decide(
    'patienceFrom',
    'early stopping counts from',
    settings.lrSchedule === 'cosine' ? 'half-anneal' : 'start',
    settings.lrSchedule === 'cosine'
      ? 'half way through the cosine schedule, so validation noise at a high learning rate cannot end the run before it anneals'
      : 'the first validation: with a constant learning rate there is no anneal to wait for',
  );
  decide(
    'pixelFallback',
    'pixel fallback',
    few,
    few
      ? `under ${FEW_CLASSES} identities: if the trained encoder does not beat raw pixels on validation, save the pixel feature`
      : `${FEW_CLASSES} or more identities: the card warns if raw pixels win, the trained encoder is kept`,
  );
  decide(
    'flipAverage',
    'flip averaging',
    faceTrunk,
    faceTrunk
      ? 'faces are nearly mirror-symmetric: the embedding is L2(f(x) + f(mirror x)), as the shipped face model chose on LFW validation people (TAR at FAR 10⁻³ 94.0 % against 90.1 %, docs/faces.md)'
      : ink
        ? 'ink: a mirrored glyph is another glyph'
        : 'off: measured only for faces',
  );
  return { settings, record: { name: 'auto', decisions } };
}
