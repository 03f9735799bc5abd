import {
  EnrolledImage,
  FaceDetection,
  Identity,
  IdentityVerification,
  MetricEnum,
  ModelCompanion,
  ModelInfo,
  ModelThresholds,
  ReferenceEncoderEnum,
  ReferenceRuleEnum,
  SimilarityMatch,
  Verification,
} from '../schema';
import type {
  FaceInfo,
  IdentityRow,
  IdentityVerificationResult,
  ImageRow,
  ModelSummary,
  SearchMatch,
  VerificationResult,
} from '../services';

/** Service results → schema objects (plain copies: schema classes carry no behaviour). */
export function toIdentity(row: IdentityRow): Identity {
  return Object.assign(new Identity(), {
    id: row.id,
    name: row.name,
    metadata: row.metadata,
    createdAt: row.createdAt,
    imageCount: row.imageCount,
  });
}

/** `face` is set on enrollImages' answer only (EnrolledImageResult); listed images have none. */
export function toImage(row: ImageRow & { face?: FaceInfo | null }): EnrolledImage {
  return Object.assign(new EnrolledImage(), {
    id: row.id,
    identityId: row.identityId,
    mimeType: row.mimeType,
    width: row.width,
    height: row.height,
    byteSize: row.byteSize,
    sha256: row.sha256,
    createdAt: row.createdAt,
    face: toFaceDetection(row.face),
  });
}

export function toVerification(r: VerificationResult): Verification {
  return Object.assign(new Verification(), {
    ...r,
    metric: r.metric as MetricEnum,
    faceA: toFaceDetection(r.faceA),
    faceB: toFaceDetection(r.faceB),
  });
}

export function toIdentityVerification(r: IdentityVerificationResult): IdentityVerification {
  return Object.assign(new IdentityVerification(), {
    ...r,
    rule: r.rule as ReferenceRuleEnum,
    encoder: r.encoder as ReferenceEncoderEnum,
    metric: r.metric as MetricEnum,
    calibration: r.calibration ? { ...r.calibration } : null,
    labelledCalibration: r.labelledCalibration ? { ...r.labelledCalibration } : null,
    face: toFaceDetection(r.face),
  });
}

export function toFaceDetection(f: FaceInfo | null | undefined): FaceDetection | null {
  return f ? faceDetection(f) : null;
}

export function faceDetection(f: FaceInfo): FaceDetection {
  return Object.assign(new FaceDetection(), {
    box: { x: f.box.x, y: f.box.y, width: f.box.width, height: f.box.height },
    score: f.score,
    keypoints: f.keypoints.map((p) => ({ x: p.x, y: p.y })),
  });
}

export function toMatch(m: SearchMatch): SimilarityMatch {
  return Object.assign(new SimilarityMatch(), {
    identity: toIdentity(m.identity),
    imageId: m.imageId,
    distance: m.distance,
    similarity: m.similarity,
    match: m.match,
    threshold: m.threshold,
    face: toFaceDetection(m.face),
  });
}

export function toModel(s: ModelSummary): ModelInfo {
  const c = s.card;
  return Object.assign(new ModelInfo(), {
    version: s.version,
    name: c.name,
    metric: c.metric as MetricEnum,
    embeddingDim: c.architecture.embeddingDim,
    fingerprint: c.fingerprint,
    // A card with an unparsable date must not fail the whole query (DateTimeISO would throw).
    createdAt: Number.isNaN(Date.parse(c.createdAt)) ? new Date(0) : new Date(c.createdAt),
    thresholds: toThresholds(c.thresholds),
    auc: c.validation.auc,
    eer: c.validation.eer,
    roc: c.roc.map((p) => ({ ...p })),
    indexedVectors: s.indexedVectors,
    companion: s.companion
      ? Object.assign(new ModelCompanion(), {
          version: s.companion.version,
          name: s.companion.card.name,
          fromReferences: s.companion.fromReferences,
          thresholds: toThresholds(s.companion.card.thresholds),
        })
      : null,
  });
}

function toThresholds(t: ModelSummary['card']['thresholds']): ModelThresholds {
  return {
    ...t,
    references: (t.references ?? []).map((r) => ({ ...r })),
    labelled: (t.labelled ?? []).map((r) => ({ ...r })),
    referenceShift: t.referenceShift ?? null,
  };
}
