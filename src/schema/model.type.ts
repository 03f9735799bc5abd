import { Field, Float, Int, ObjectType } from 'type-graphql';
import { LabelledThreshold, ReferenceThreshold } from './identity-verification.type';
import { MetricEnum } from './metric.enum';

@ObjectType({ description: 'Calibrated decision thresholds (distances).' })
export class ModelThresholds {
  @Field(() => Float, { description: 'The threshold used when verify gets none.' })
  default!: number;

  @Field(() => String, { description: 'Which rule picked the default: eer, maxAccuracy or atTargetFar.' })
  defaultRule!: string;

  @Field(() => Float, { description: 'At the validation equal-error-rate point.' })
  eer!: number;

  @Field(() => Float)
  maxAccuracy!: number;

  @Field(() => Float)
  atTargetFar!: number;

  @Field(() => Float)
  targetFar!: number;

  @Field(() => [ReferenceThreshold], {
    description: "verifyIdentity's thresholds by reference count R, ascending ([] when the card has none: NEAREST is used).",
  })
  references!: ReferenceThreshold[];

  @Field(() => [LabelledThreshold], {
    description: "verifyIdentity's offsets by references R and labelled negatives K, ascending (rule LABELLED; [] when the card has none).",
  })
  labelled!: LabelledThreshold[];

  @Field(() => Float, {
    nullable: true,
    description:
      "verifyIdentity's rule SPREAD: β, the share of the references' spread added to each identity's threshold (null: CENTROID).",
  })
  referenceShift?: number | null;
}

@ObjectType({ description: 'A point of the validation ROC curve.' })
export class RocPoint {
  @Field(() => Float)
  threshold!: number;

  @Field(() => Float, { description: 'False accept rate.' })
  far!: number;

  @Field(() => Float, { description: 'True accept rate.' })
  tar!: number;
}

@ObjectType({
  description:
    'A second encoder that answers verifyIdentity from fromReferences references on (SIAMESE_COMPANION_MODEL), served with the configured model only.',
})
export class ModelCompanion {
  @Field(() => String)
  version!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: 'verifyIdentity asks the companion when its card calibrates an R ≥ this that the identity reaches.' })
  fromReferences!: number;

  @Field(() => ModelThresholds, { description: "The companion's own thresholds: the ones its answers use." })
  thresholds!: ModelThresholds;
}

@ObjectType('Model', { description: 'The model version answering queries, with its calibration.' })
export class ModelInfo {
  @Field(() => String)
  version!: string;

  @Field(() => String)
  name!: string;

  @Field(() => MetricEnum)
  metric!: MetricEnum;

  @Field(() => Int)
  embeddingDim!: number;

  @Field(() => String)
  fingerprint!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => ModelThresholds)
  thresholds!: ModelThresholds;

  @Field(() => Float, { description: 'Area under the validation ROC.' })
  auc!: number;

  @Field(() => Float, { description: 'Validation equal error rate.' })
  eer!: number;

  @Field(() => [RocPoint], { complexity: 5 })
  roc!: RocPoint[];

  @Field(() => Int, { description: 'Vectors in the active index.' })
  indexedVectors!: number;

  @Field(() => ModelCompanion, { nullable: true, description: 'The companion encoder served with this model (null: none).' })
  companion?: ModelCompanion | null;

  /**
   * Not a GraphQL field: the card this answer was read from, kept so that `card` and
   * `openSet` describe the same model version as the fields above even if a swap happens
   * between them (their resolvers: src/resolvers/model.resolver.ts).
   */
  sourceCard?: unknown;
}
