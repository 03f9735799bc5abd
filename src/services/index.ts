export { ActiveModel } from './serving-model';
export type { ServingModel, EmbedderPort, DecodeLimitsPort, CompanionModel, EncoderModel } from './serving-model';
export { CompanionSlot, companionProblems, loadCompanion } from './companion-model';
export { IndexLifecycle } from './index-lifecycle.service';
export { VerificationService } from './verification.service';
export type { VerificationResult } from './verification.service';
export { IdentityVerificationService, planLabelled, planReferences, routeReferences } from './identity-verification.service';
export type { IdentityVerificationResult, ReferenceEncoder, ReferenceRoute, ReferenceRule } from './identity-verification.service';
export { SearchService, groupByIdentity } from './search.service';
export type { SearchMatch } from './search.service';
export { openSetThreshold, perComparisonFar, thresholdAtFarInterpolated, OpenSetThresholdCache } from './open-set-threshold';
export type { OpenSetThreshold, OpenSetCalibration } from './open-set-threshold';
export { EnrollmentService } from './enrollment.service';
export type { EnrolledImageResult } from './enrollment.service';
export { FaceDetectionService } from './face-detection.service';
export type { FaceInfo } from '../embedding/faces/face.types';
export { IdentityService, encodeCursor, decodeCursor } from './identity.service';
export { ModelService } from './model.service';
export { ThumbnailService } from './thumbnail.service';
export type { ModelSummary } from './model.service';
export { createLogger, silentLogger } from './logger';
export type { Logger } from './logger';
export type { ServiceStore, IdentityRow, ImageRow } from './store.port';
export type { ApiKeyRow, ApiKeyStore } from './store.port';
export type { ImageInputLike } from './image-input';
export type { ServiceDeps } from './service-context';

import type { ServiceDeps } from './service-context';
import { VerificationService } from './verification.service';
import { IdentityVerificationService } from './identity-verification.service';
import { SearchService } from './search.service';
import { EnrollmentService } from './enrollment.service';
import { FaceDetectionService } from './face-detection.service';
import { IdentityService } from './identity.service';
import { ModelService } from './model.service';
import { ThumbnailService } from './thumbnail.service';
import type { RetrainingService } from './retraining';
import { ApiKeyService } from './access';
import type { StorageHealth } from './storage-health';

/** The application layer as the resolvers see it. */
export interface Services {
  verification: VerificationService;
  /** verifyIdentity: against an enrolled identity's references. */
  identityVerification: IdentityVerificationService;
  search: SearchService;
  enrollment: EnrollmentService;
  faces: FaceDetectionService;
  identities: IdentityService;
  model: ModelService;
  /** API keys and their cached checks (issue 13). */
  apiKeys: ApiKeyService;
  /** Previews of enrolled images for the console (issue 15). */
  thumbnails: ThumbnailService;
  /** Labelled pairs, training runs, model activation (issue 4); set by main.ts. */
  retraining?: RetrainingService;
  /** Whether writes currently succeed (issue 13, disk full), for /healthz; set by main.ts. */
  storage?: StorageHealth;
}

export function createServices(deps: ServiceDeps): Services {
  return {
    verification: new VerificationService(deps),
    identityVerification: new IdentityVerificationService(deps),
    search: new SearchService(deps),
    enrollment: new EnrollmentService(deps),
    faces: new FaceDetectionService(deps),
    identities: new IdentityService(deps),
    model: new ModelService(deps),
    apiKeys: new ApiKeyService(deps.store, { logger: deps.logger }),
    thumbnails: new ThumbnailService(deps),
  };
}
