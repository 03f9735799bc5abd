import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

export enum TrainingStatusEnum {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  EVALUATING = 'EVALUATING',
  REINDEXING = 'REINDEXING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(TrainingStatusEnum, {
  name: 'TrainingStatus',
  description: 'QUEUED → RUNNING → EVALUATING → REINDEXING (promoted models only) → SUCCEEDED; or FAILED / CANCELLED.',
});

@ObjectType({ description: 'Where a run is. While training: step/total, loss, pairs/s, ETA. While re-embedding: images done/total.' })
export class TrainingProgress {
  @Field(() => String, { description: 'starting, loading, training, evaluating, embedding, indexing, swapping, done.' })
  phase!: string;

  @Field(() => Int)
  step!: number;

  @Field(() => Int)
  total!: number;

  @Field(() => Float, { nullable: true })
  loss!: number | null;

  @Field(() => Float, { nullable: true, description: 'Training pairs (contrastive) or images (triplet) per second.' })
  pairsPerSec!: number | null;

  @Field(() => Float, { nullable: true })
  etaSeconds!: number | null;

  @Field(() => Int, { nullable: true, description: 'Images re-embedded with the new model so far.' })
  embedded!: number | null;

  @Field(() => Int, { nullable: true })
  toEmbed!: number | null;
}

@ObjectType({ description: 'A model scored on the held-out pairs.' })
export class ModelScore {
  @Field(() => String)
  version!: string;

  @Field(() => Float, { description: 'Area under the ROC of the held-out pairs.' })
  auc!: number;

  @Field(() => Float, { description: 'Equal error rate on the held-out pairs (lower is better; decides promotion).' })
  eer!: number;

  @Field(() => Float, { nullable: true, description: "Share of held-out pairs decided right at the model's default threshold." })
  accuracy!: number | null;

  @Field(() => Float, { nullable: true, description: 'Share of the explicit labelled pairs the model gets right.' })
  labelledPairAccuracy!: number | null;
}

@ObjectType({ description: 'The held-out data both models were scored on.' })
export class HeldOutSet {
  @Field(() => Boolean, {
    description: 'true: identities the new model never trained on; false: too few identities, scored on training data (optimistic).',
  })
  disjoint!: boolean;

  @Field(() => Int)
  identities!: number;

  @Field(() => Int)
  images!: number;

  @Field(() => Int)
  positivePairs!: number;

  @Field(() => Int)
  negativePairs!: number;
}

@ObjectType()
export class TrainingMetrics {
  @Field(() => HeldOutSet)
  heldOut!: HeldOutSet;

  @Field(() => ModelScore, { nullable: true, description: 'The model that was serving when the run started.' })
  old!: ModelScore | null;

  @Field(() => ModelScore, { nullable: true, description: 'The retrained model.' })
  new!: ModelScore | null;

  @Field(() => Int)
  labelledPairs!: number;

  @Field(() => Int)
  trainingImages!: number;

  @Field(() => Int)
  trainingIdentities!: number;

  @Field(() => Boolean, { nullable: true })
  promoted!: boolean | null;

  @Field(() => String, { nullable: true, description: 'Why the new model was or was not promoted.' })
  decision!: string | null;

  @Field(() => Float, { nullable: true })
  wallTimeSec!: number | null;
}

@ObjectType({ description: 'A retraining run (admin).' })
export class TrainingRun {
  @Field(() => ID)
  id!: string;

  @Field(() => TrainingStatusEnum)
  status!: TrainingStatusEnum;

  @Field(() => GraphQLJSONObject, { description: 'The options the run used, defaults filled in.' })
  options!: Record<string, unknown>;

  @Field(() => TrainingProgress, { nullable: true })
  progress!: TrainingProgress | null;

  @Field(() => TrainingMetrics, { nullable: true, description: 'Old vs new model on the same held-out pairs (after EVALUATING).' })
  metrics!: TrainingMetrics | null;

  @Field(() => String, { nullable: true, description: 'The model the run started from (serving at the time).' })
  baseModelVersion!: string | null;

  @Field(() => String, { nullable: true, description: 'The model version the run produced (whether or not promoted).' })
  modelVersion!: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether the new model became the serving one.' })
  promoted!: boolean | null;

  @Field(() => String, { nullable: true, description: 'Why it failed or was cancelled.' })
  error!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Last progress write: a stale heartbeat on an active run means a stuck worker.' })
  heartbeatAt!: Date | null;
}

@ObjectType()
export class TrainingRunPage {
  @Field(() => [TrainingRun])
  items!: TrainingRun[];

  @Field(() => String, { nullable: true })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;
}
