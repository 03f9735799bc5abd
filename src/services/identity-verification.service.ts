import type { FaceInfo } from '../embedding/faces/face.types';
import type { LabelledThreshold, ReferenceThreshold, Thresholds } from '../embedding/model-card';
import { DomainError, ErrorCode, badInput, notFound } from '../errors';
import type { ImageRow } from './store.port';
import { labelledThreshold } from '../metric/labelled-threshold';
import { centroid, distance, isMatch, referenceSpread, similarityFromDistance, type Metric } from '../metric/metric';
import { spreadThreshold } from '../metric/spread-threshold';
import type { ImageInputLike } from './image-input';
import { embedInputsWithFaces, readsOf, type EmbeddedInput, type ServiceDeps } from './service-context';
import type { EncoderModel, ServingModel } from './serving-model';
import { clampDistance } from './verification.service';

/**
 * How the questioned image is compared with an identity's enrolled references:
 * - CENTROID: distance to the centroid of R references, threshold calibrated for R on the card's
 *   validation identities (thresholds.references, training/calibration/reference-calibration.ts);
 *   R is the largest calibrated count the identity has, its oldest R images.
 * - SPREAD: CENTROID where the card has thresholds.referenceShift β: the same distance against the identity's own
 *   threshold t_R + β·s, s its R references' leave-one-out spread (metric/spread-threshold.ts; t_R is calibrated
 *   on d − β·s).
 * - SINGLE: one enrolled image, the card's 1:1 threshold (the same answer as verify).
 * - NEAREST: the card has no calibration for the identity's count (an older card, or fewer references
 *   than its smallest R): distance to the nearest enrolled image, the 1:1 threshold. Each extra
 *   reference is one more chance for an impostor, so the false-accept rate can reach R × the 1:1 one.
 * - LABELLED: CENTROID's distance against the identity's own threshold min(t_R, ½·(s + f) + offset(R, K)) (or
 *   without the cap t_R, or not at all: SIAMESE_LABELLED_RULE capped | midpoint | off), from
 *   its references' spread s and the K newest negatives labelled for it (labelPair same: false against
 *   one of its images), mean distance f; offset calibrated on the card (thresholds.labelled, only where
 *   validation had skilled forgeries), never looser than CENTROID's t_R (SPREAD's t_R + β·s). K is the largest
 *   calibrated count the identity has reached.
 */
export type ReferenceRule = 'CENTROID' | 'SPREAD' | 'SINGLE' | 'NEAREST' | 'LABELLED';

export interface ReferencePlan {
  rule: ReferenceRule;
  /** How many of the enrolled images (oldest first) are compared. */
  use: number;
  threshold: number;
  calibration: ReferenceThreshold | null;
}

/**
 * Which rule and threshold an identity with `enrolled` images gets under this card. `maxReferences`
 * (SIAMESE_MAX_IMAGES_PER_CALL less the question) bounds the images one call embeds, as for enrollImages:
 * NEAREST compares the oldest that many, CENTROID only an R within it.
 */
export function planReferences(
  thresholds: Pick<Thresholds, 'default' | 'references'>,
  enrolled: number,
  maxReferences = Number.POSITIVE_INFINITY,
): ReferencePlan {
  const cap = Math.max(1, Math.min(enrolled, maxReferences));
  if (cap === 1) return { rule: 'SINGLE', use: 1, threshold: thresholds.default, calibration: null };
  const calibrated = (thresholds.references ?? []).filter((r) => r.references <= cap);
  const entry = calibrated[calibrated.length - 1];
  if (entry) return { rule: 'CENTROID', use: entry.references, threshold: entry.threshold, calibration: entry };
  return { rule: 'NEAREST', use: cap, threshold: thresholds.default, calibration: null };
}

/** Which encoder answered verifyIdentity: the served model, or its companion (SIAMESE_COMPANION_MODEL). */
export type ReferenceEncoder = 'PRIMARY' | 'COMPANION';

export interface ReferenceRoute {
  encoder: ReferenceEncoder;
  model: EncoderModel;
  plan: ReferencePlan;
}

/**
 * Which encoder answers an identity with `enrolled` images: the companion when its own card calibrates an R ≥
 * its `fromReferences` that the identity reaches (its plan is CENTROID with that many references), else the served
 * model. Each answers with its own card's thresholds, so a request never mixes two models' distances.
 */
export function routeReferences(model: ServingModel, enrolled: number, maxReferences = Number.POSITIVE_INFINITY): ReferenceRoute {
  const companion = model.companion;
  if (companion) {
    const plan = planReferences(companion.card.thresholds, enrolled, maxReferences);
    if (plan.rule === 'CENTROID' && plan.use >= companion.fromReferences) return { encoder: 'COMPANION', model: companion, plan };
  }
  return { encoder: 'PRIMARY', model, plan: planReferences(model.card.thresholds, enrolled, maxReferences) };
}

/**
 * The card's calibration for R references and the most labelled negatives an identity has that the card
 * calibrated (K ≤ available), or null: then CENTROID's one threshold for R applies.
 */
export function planLabelled(thresholds: Pick<Thresholds, 'labelled'>, references: number, available: number): LabelledThreshold | null {
  const fits = (thresholds.labelled ?? []).filter((e) => e.references === references && e.labelled <= available);
  return fits.reduce<LabelledThreshold | null>((best, e) => (!best || e.labelled > best.labelled ? e : best), null);
}

/** Refusals that say this model cannot read a labelled negative (it is skipped), not that the server is loaded. */
const UNREADABLE_NEGATIVE: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.INVALID_IMAGE,
  ErrorCode.UNSUPPORTED_IMAGE,
  ErrorCode.NO_FACE_DETECTED,
  ErrorCode.IMAGE_TOO_SMALL,
  ErrorCode.IMAGE_TOO_LARGE,
  ErrorCode.PAYLOAD_TOO_LARGE,
  ErrorCode.BAD_USER_INPUT,
]);

/** The most negatives any calibration for R references reads (0: the card has none for R). */
function mostLabelled(thresholds: Pick<Thresholds, 'labelled'>, references: number): number {
  return Math.max(0, ...(thresholds.labelled ?? []).filter((e) => e.references === references).map((e) => e.labelled));
}

export interface IdentityVerificationResult {
  identityId: string;
  match: boolean;
  distance: number;
  similarity: number;
  threshold: number;
  rule: ReferenceRule;
  /** The enrolled images compared, oldest first. */
  referenceImageIds: string[];
  enrolledImages: number;
  /** The card's validation rates for this rule's R (CENTROID, SPREAD and LABELLED). */
  calibration: ReferenceThreshold | null;
  /** SPREAD: the references' leave-one-out spread s (threshold = calibration.threshold + β·s); null otherwise. */
  referenceSpread: number | null;
  /** LABELLED: the labelled pairs whose negatives set the threshold, newest first; [] otherwise. */
  labelledPairIds: string[];
  /** LABELLED: the card's calibration for R references and K labelled negatives. */
  labelledCalibration: LabelledThreshold | null;
  metric: Metric;
  /** The version of the encoder that answered (the companion's when `encoder` is COMPANION). */
  modelVersion: string;
  encoder: ReferenceEncoder;
  face: FaceInfo | null;
}

/** 1:1 against an enrolled identity: is the questioned image this identity (several references)? */
export class IdentityVerificationService {
  constructor(private readonly deps: ServiceDeps) {}

  async verifyIdentity(identityId: string, image: ImageInputLike, threshold?: number | null): Promise<IdentityVerificationResult> {
    if (threshold !== undefined && threshold !== null && (!Number.isFinite(threshold) || threshold < 0)) {
      throw badInput(`threshold must be a finite distance ≥ 0 (got ${threshold})`, { argument: 'threshold' });
    }
    // A reference deleted while we read (deleteImage / deleteIdentity on another request): read again
    // once, so the answer is about the identity as it is now, or NOT_FOUND for the identity itself.
    try {
      return await this.attempt(identityId, image, threshold);
    } catch (e) {
      if (!(e instanceof DomainError) || e.code !== ErrorCode.NOT_FOUND || e.details.what === 'Identity') throw e;
      return this.attempt(identityId, image, threshold);
    }
  }

  private async attempt(identityId: string, image: ImageInputLike, threshold?: number | null): Promise<IdentityVerificationResult> {
    const reads = readsOf(this.deps);
    const images = await this.enrolledImages(identityId);
    const route = routeReferences(this.deps.active.current, images.length, this.deps.limits.maxImagesPerCall - 1);
    const { plan, model } = route;
    const references = images.slice(0, plan.use);
    // One batch, one model: the question and the references' stored vectors (embedded from their
    // bytes when this model version has none yet, e.g. just after a swap, or the companion's first call).
    let embedded;
    try {
      embedded = await embedInputsWithFaces(
        this.deps,
        model,
        [image, ...references.map((r) => ({ imageId: r.id }))],
        ['image', ...references.map((r) => `reference ${r.id}`)],
      );
    } catch (e) {
      // A reference gone meanwhile: say so about the identity when it is gone too.
      if (e instanceof DomainError && e.code === ErrorCode.NOT_FOUND && !(await reads.findIdentity(identityId))) {
        throw notFound('Identity', identityId);
      }
      throw e;
    }
    if (route.encoder === 'COMPANION') await this.keepCompanionVectors(model, embedded);
    const [question, ...refs] = embedded;
    const metric = model.card.metric;
    const vectors = refs.map((r) => r.vector);
    const centre = plan.rule === 'CENTROID' ? centroid(vectors) : null;
    const raw = centre ? distance(question.vector, centre, metric) : Math.min(...vectors.map((v) => distance(question.vector, v, metric)));
    const d = clampDistance(raw);
    // SPREAD: the card's t_R moved by this identity's own references' spread.
    const shift = model.card.thresholds.referenceShift;
    const spread = centre && shift !== undefined ? referenceSpread(vectors, metric) : null;
    const served = spread === null ? plan.threshold : spreadThreshold(plan.threshold, spread, shift!);
    // A caller's threshold decides by itself: the labels are not read (nor their uploads decoded).
    const own =
      centre && (threshold === undefined || threshold === null)
        ? await this.ownThreshold(identityId, model, { ...plan, threshold: served }, vectors, centre)
        : null;
    const t = threshold ?? own?.threshold ?? served;
    return {
      identityId,
      match: isMatch(d, t),
      distance: d,
      similarity: similarityFromDistance(d, metric),
      threshold: t,
      rule: own ? 'LABELLED' : spread !== null ? 'SPREAD' : plan.rule,
      referenceImageIds: references.map((r) => r.id),
      enrolledImages: images.length,
      calibration: plan.calibration,
      referenceSpread: spread,
      labelledPairIds: own?.pairIds ?? [],
      labelledCalibration: own?.calibration ?? null,
      metric,
      modelVersion: model.version,
      encoder: route.encoder,
      face: question.face,
    };
  }

  /**
   * The companion has no index and enrolment does not embed with it: the vectors it computed from stored bytes are
   * kept under its version, so the identity's next call reads them. A write that fails (a concurrent call storing the
   * same image, the database busy) costs only the next call's embedding: logged, and the answer stands.
   */
  private async keepCompanionVectors(companion: EncoderModel, embedded: EmbeddedInput[]): Promise<void> {
    const items = embedded.flatMap((e) => (e.unstoredImageId ? [{ imageId: e.unstoredImageId, vector: e.vector }] : []));
    if (items.length === 0) return;
    try {
      await this.deps.store.addEmbeddings(companion.version, items);
    } catch (e) {
      this.deps.logger.error('warning: companion vectors not stored; the next call embeds them again', {
        version: companion.version,
        images: items.length,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }

  /**
   * LABELLED's threshold when the card calibrated R references with labelled negatives and the identity
   * has enough of them; null otherwise. The negatives are read from the primary (labels are writes an
   * admin expects to take effect at once) and embedded with the same model; uploaded ones each time
   * (no vector is kept for them, so erasing the pair leaves nothing behind).
   */
  private async ownThreshold(
    identityId: string,
    model: EncoderModel,
    plan: ReferencePlan,
    vectors: Float32Array[],
    centre: Float32Array,
  ): Promise<{ threshold: number; pairIds: string[]; calibration: LabelledThreshold } | null> {
    const rule = this.deps.limits.labelledRule;
    const most = rule === 'off' ? 0 : mostLabelled(model.card.thresholds, plan.use);
    if (most === 0) return null;
    const negatives = await this.deps.store.labelledNegatives(identityId, most);
    const calibration = planLabelled(model.card.thresholds, plan.use, negatives.length);
    // capped (SIAMESE_LABELLED_RULE): never looser than the card's threshold for R (metric/labelled-threshold.ts;
    // under SPREAD, the identity's t_R + β·s: the plan carries it).
    const cap = rule === 'capped' ? plan.threshold : Number.POSITIVE_INFINITY;
    if (!calibration) return null;
    const used = negatives.slice(0, calibration.labelled);
    let embedded;
    try {
      embedded = await embedInputsWithFaces(
        this.deps,
        model,
        used.map((n) => (n.imageId ? { imageId: n.imageId } : { base64: Buffer.from(n.bytes ?? new Uint8Array()).toString('base64') })),
        used.map((n) => `labelled pair ${n.pairId}`),
      );
    } catch (e) {
      // An image gone meanwhile: verifyIdentity reads again. One this model refuses (say a face model and
      // a negative labelled under an earlier one): the question is still answered, by the card's rule (CENTROID, or
      // SPREAD's t_R + β·s). Anything else (SERVER_BUSY, DECODE_TIMEOUT, storage) fails the call: answering by that
      // looser threshold would accept again what the labels refuse, whenever the server is loaded.
      if (!(e instanceof DomainError) || !UNREADABLE_NEGATIVE.has(e.code)) throw e;
      this.deps.logger.error("warning: a labelled negative could not be embedded; verifyIdentity uses the card's rule", {
        identityId,
        pairIds: used.map((n) => n.pairId),
        code: e.code,
      });
      return null;
    }
    const metric = model.card.metric;
    const negativeMean = embedded.reduce((sum, e) => sum + distance(e.vector, centre, metric), 0) / embedded.length;
    return {
      threshold: labelledThreshold(referenceSpread(vectors, metric), negativeMean, calibration.offset, cap),
      pairIds: used.map((n) => n.pairId),
      calibration,
    };
  }

  /** The identity's images, oldest first: NOT_FOUND without the identity, BAD_USER_INPUT without images. */
  private async enrolledImages(identityId: string): Promise<ImageRow[]> {
    const reads = readsOf(this.deps);
    if (!(await reads.findIdentity(identityId))) throw notFound('Identity', identityId);
    const images = await reads.listImages(identityId);
    if (images.length > 0) return images;
    // Deleted between the two reads: that is NOT_FOUND, not "no images".
    if (!(await reads.findIdentity(identityId))) throw notFound('Identity', identityId);
    throw badInput(`identity ${identityId} has no enrolled images to verify against`, { argument: 'identityId' });
  }
}
