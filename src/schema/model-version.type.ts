import { Field, Float, ObjectType } from 'type-graphql';
import { MetricEnum } from './metric.enum';

@ObjectType({ description: 'A model version known to this deployment (shipped, configured, or produced by retraining).' })
export class ModelVersion {
  @Field(() => String)
  version!: string;

  @Field(() => Boolean)
  active!: boolean;

  @Field(() => String)
  name!: string;

  @Field(() => MetricEnum)
  metric!: MetricEnum;

  @Field(() => String)
  fingerprint!: string;

  @Field(() => Float, { nullable: true, description: "Validation EER from the version's model card." })
  eer!: number | null;

  @Field(() => Float, { nullable: true })
  auc!: number | null;

  @Field(() => Float, { nullable: true, description: 'Default decision threshold (distance).' })
  threshold!: number | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it last became the serving version (null: never).' })
  activatedAt!: Date | null;

  /** Not a GraphQL field: the card stored with the version, read by the `card` field resolver (model-activation.resolver.ts). */
  sourceCard?: unknown;
}
