import type { FaceInfo } from '../embedding/faces/face.types';
import type { ReferenceThreshold, Thresholds } from '../embedding/model-card';
import { DomainError, ErrorCode, badInput, notFound } from '../errors';
import type { ImageRow } from './store.port';
import { centroid, distance, isMatch, similarityFromDistance, type Metric } from '../metric/metric';
import type { ImageInputLike } from './image-input';
import { embedInputsWithFaces, readsOf, type ServiceDeps } from './service-context';
import { clampDistance } from './verification.service';

/**
 * How the questioned image is compared with an identity's enrolled references:
 * - CENTROID: distance to the centroid of R references, threshold calibrated for R on the card's
 *   validation identities (thresholds.references, training/calibration/reference-calibration.ts);
 *   R is the largest calibrated count the identity has, its oldest R images.
 * - SINGLE: one enrolled image, the card's 1:1 threshold (the same answer as verify).
 * - NEAREST: the card has no calibration for the identity's count (an older card, or fewer references
 *   than its smallest R): distance to the nearest enrolled image, the 1:1 threshold. Each extra
 *   reference is one more chance for an impostor, so the false-accept rate can reach R × the 1:1 one.
 */
export type ReferenceRule = 'CENTROID' | 'SINGLE' | 'NEAREST';

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
  /** The card's validation rates for this rule's R (CENTROID only). */
  calibration: ReferenceThreshold | null;
  metric: Metric;
  modelVersion: string;
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
    const model = this.deps.active.current;
    const plan = planReferences(model.card.thresholds, images.length, this.deps.limits.maxImagesPerCall - 1);
    const references = images.slice(0, plan.use);
    // One batch, one model: the question and the references' stored vectors (embedded from their
    // bytes when this model version has none yet, e.g. just after a swap).
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
    const [question, ...refs] = embedded;
    const metric = model.card.metric;
    const vectors = refs.map((r) => r.vector);
    const raw =
      plan.rule === 'CENTROID'
        ? distance(question.vector, centroid(vectors), metric)
        : Math.min(...vectors.map((v) => distance(question.vector, v, metric)));
    const d = clampDistance(raw);
    const t = threshold ?? plan.threshold;
    return {
      identityId,
      match: isMatch(d, t),
      distance: d,
      similarity: similarityFromDistance(d, metric),
      threshold: t,
      rule: plan.rule,
      referenceImageIds: references.map((r) => r.id),
      enrolledImages: images.length,
      calibration: plan.calibration,
      metric,
      modelVersion: model.version,
      face: question.face,
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
