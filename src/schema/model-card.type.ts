import { Field, Float, Int, ObjectType } from 'type-graphql';
import { RocPoint } from './model.type';

/**
 * The model card as people read it (issue 15: the console's Model page): intended use and
 * limitations, data, metrics with their intervals, learning curve. Read out of the card by
 * src/services/model-card-summary.ts; missing parts are empty lists or null.
 */
@ObjectType({ description: 'A measured claim written on the card by hand, with its interval and the command behind it.' })
export class ModelCardClaim {
  @Field(() => String)
  what!: string;

  @Field(() => String)
  value!: string;

  @Field(() => String, { nullable: true, description: '95 % interval, as written.' })
  ci95!: string | null;

  @Field(() => String, { nullable: true })
  command!: string | null;
}

@ObjectType({ description: "What the model is for and not for (the card's intendedUse)." })
export class ModelIntendedUse {
  @Field(() => String)
  summary!: string;

  @Field(() => [String])
  intendedFor!: string[];

  @Field(() => [String], { description: 'Uses it is not for: limitations a buyer must know.' })
  notFor!: string[];

  @Field(() => String, { nullable: true, description: 'The photos it expects.' })
  photos!: string | null;

  @Field(() => String, { nullable: true })
  trainedOn!: string | null;

  @Field(() => String, { nullable: true })
  calibratedOn!: string | null;

  @Field(() => [ModelCardClaim])
  measured!: ModelCardClaim[];

  @Field(() => [String], { description: 'Known failure modes.' })
  failureModes!: string[];
}

@ObjectType({ description: 'The data the model was trained and calibrated on.' })
export class ModelCardData {
  @Field(() => [String])
  sources!: string[];

  @Field(() => Int, { nullable: true })
  identities!: number | null;

  @Field(() => Int, { nullable: true })
  images!: number | null;

  @Field(() => Int, { nullable: true })
  trainIdentities!: number | null;

  @Field(() => Int, { nullable: true, description: 'Held out from training; the thresholds are calibrated on them.' })
  validationIdentities!: number | null;

  @Field(() => Int, { nullable: true, description: 'Byte-identical images dropped before splitting.' })
  duplicatesDropped!: number | null;

  @Field(() => Int, { nullable: true, description: 'Images in which the face stage found no face.' })
  facelessDropped!: number | null;
}

@ObjectType({ description: 'A confidence interval of a metric.' })
export class MetricInterval {
  @Field(() => Float)
  low!: number;

  @Field(() => Float)
  high!: number;

  @Field(() => Float, { description: 'Confidence level: 0.95 for a 95 % interval.' })
  level!: number;

  @Field(() => String, { nullable: true, description: 'How it was computed (identity bootstrap, Wilson).' })
  method!: string | null;
}

@ObjectType({ description: 'A number measured for the model, with its interval when the card has one.' })
export class ModelCardMetric {
  @Field(() => String, {
    description: 'Where it was measured: "validation" (the calibration set) or the name of an evaluation on the card.',
  })
  source!: string;

  @Field(() => String, { description: 'auc, eer, accuracyAtDefault, tarAtFar1e2, tarAtFar1e3 or oneShotAccuracy.' })
  name!: string;

  @Field(() => Float, { description: 'A rate in [0, 1] (AUC, EER, accuracy, TAR).' })
  value!: number;

  @Field(() => MetricInterval, { nullable: true })
  interval!: MetricInterval | null;

  @Field(() => String, { nullable: true, description: 'What it was measured on (identities, pairs, ways).' })
  sample!: string | null;

  @Field(() => String, { nullable: true, description: 'The command that reproduces it.' })
  command!: string | null;

  @Field(() => Boolean, { description: 'A comparison baseline, not this model.' })
  baseline!: boolean;
}

@ObjectType({ description: 'One validation pass during training.' })
export class LearningCurvePoint {
  @Field(() => Int)
  epoch!: number;

  @Field(() => Int, { nullable: true })
  step!: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean training loss of the epoch (null at epoch 0).' })
  loss!: number | null;

  @Field(() => Float, { nullable: true })
  valAuc!: number | null;

  @Field(() => Float, { nullable: true })
  valEer!: number | null;

  @Field(() => Float, { nullable: true, description: 'Validation one-shot accuracy.' })
  valOneShot!: number | null;

  @Field(() => Float, { nullable: true, description: 'Training time so far (seconds).' })
  elapsedSec!: number | null;

  @Field(() => Boolean, { description: 'Best validation score so far.' })
  best!: boolean;
}

@ObjectType({ description: "A training run's validation history: the model's, or one per member of an ensemble." })
export class LearningCurve {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { nullable: true, description: 'The epoch whose weights were kept.' })
  keptEpoch!: number | null;

  @Field(() => [LearningCurvePoint])
  points!: LearningCurvePoint[];
}

@ObjectType({ description: 'A comparison ROC on the card: raw pixels scored on the same validation pairs (the pixel baseline).' })
export class ComparisonRoc {
  @Field(() => String)
  label!: string;

  @Field(() => Float, { nullable: true })
  auc!: number | null;

  @Field(() => Float, { nullable: true })
  eer!: number | null;

  @Field(() => [RocPoint])
  points!: RocPoint[];
}

@ObjectType('ModelCard', { description: 'The model card, for people: intended use and limitations, data, metrics, learning curve.' })
export class ModelCardSummary {
  @Field(() => String, { nullable: true })
  notes!: string | null;

  @Field(() => [String], { description: 'What training found wrong with the run (few validation people, a collapsed embedding).' })
  warnings!: string[];

  @Field(() => ModelIntendedUse, { nullable: true, description: 'Null when the card states none.' })
  intendedUse!: ModelIntendedUse | null;

  @Field(() => ModelCardData)
  data!: ModelCardData;

  @Field(() => [ModelCardMetric], { description: 'Validation metrics first, then each evaluation on the card.' })
  metrics!: ModelCardMetric[];

  @Field(() => [LearningCurve])
  learningCurves!: LearningCurve[];

  @Field(() => [ComparisonRoc], { description: "Baseline ROCs to draw beside the model's (empty when the card has none)." })
  comparisonRocs!: ComparisonRoc[];

  @Field(() => String, { nullable: true })
  trainCommand!: string | null;

  @Field(() => [String])
  evaluateCommands!: string[];
}

@ObjectType({ description: 'The 1:N threshold searchSimilar applies to a gallery of this size (Šidák rule on the validation ROC).' })
export class OpenSetThreshold {
  @Field(() => Int, { description: 'Enrolled images the stranger is compared with.' })
  galleryImages!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Target open-set false-match rate (SIAMESE_OPEN_SET_FAR); null when the rule is off.',
  })
  alpha!: number | null;

  @Field(() => Float, { description: 'Distance threshold: a match when d ≤ threshold.' })
  threshold!: number;

  @Field(() => Float, { nullable: true, description: 'Per-comparison FAR budget 1 − (1 − alpha)^(1/galleryImages).' })
  perComparisonFar!: number | null;

  @Field(() => String, { description: "'open-set' (derived from alpha and the gallery size) or 'default' (the card's 1:1 threshold)." })
  rule!: string;
}
