// type-graphql's decorators need the Reflect metadata polyfill before any schema class loads.
import 'reflect-metadata';
import type { NonEmptyArray } from 'type-graphql';
import { IdentityResolver } from './identity.resolver';
import { ModelResolver } from './model.resolver';
import { SearchResolver } from './search.resolver';
import { VerificationResolver } from './verification.resolver';
import { TrainingResolver } from './training.resolver';
import { LabelledPairResolver } from './labelled-pair.resolver';
import { ModelActivationResolver } from './model-activation.resolver';
import { FaceDetectionResolver } from './face-detection.resolver';
import { ApiKeyResolver } from './api-key.resolver';

export type { GraphQLContext } from './context';

/** Every resolver class of the API; other features (retraining) append theirs here. */
// type-graphql's buildSchema takes resolver classes as NonEmptyArray<Function>.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [
  VerificationResolver,
  SearchResolver,
  IdentityResolver,
  ModelResolver,
  TrainingResolver,
  LabelledPairResolver,
  ModelActivationResolver,
  FaceDetectionResolver,
  ApiKeyResolver,
];
