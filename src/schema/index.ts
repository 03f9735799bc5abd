// type-graphql's decorators need the Reflect metadata polyfill before any schema class loads.
import 'reflect-metadata';
export { MetricEnum } from './metric.enum';
export { ImageInput } from './image.input';
export { Identity } from './identity.type';
export { EnrolledImage } from './enrolled-image.type';
export { Verification } from './verification.type';
export {
  IdentityVerification,
  LabelledThreshold,
  ReferenceEncoderEnum,
  ReferenceRuleEnum,
  ReferenceThreshold,
} from './identity-verification.type';
export { SimilarityMatch } from './similarity-match.type';
export { FaceDetection, FaceBox, FacePoint } from './face-detection.type';
export { ModelCompanion, ModelInfo, ModelThresholds, RocPoint } from './model.type';
export { IdentityConnection, IdentityEdge, PageInfo } from './identity-connection.type';
export { IdentitiesArgs, CreateIdentityArgs, IdArgs } from './identity.args';
