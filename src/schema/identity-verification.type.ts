import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { FaceDetection } from './face-detection.type';
import { MetricEnum } from './metric.enum';

/** How verifyIdentity compared the image with the identity's references (services/identity-verification.service.ts). */
export enum ReferenceRuleEnum {
  CENTROID = 'CENTROID',
  SPREAD = 'SPREAD',
  SINGLE = 'SINGLE',
  NEAREST = 'NEAREST',
  LABELLED = 'LABELLED',
}

registerEnumType(ReferenceRuleEnum, {
  name: 'ReferenceRule',
  description:
    'CENTROID: distance to the mean embedding of R enrolled references, with the threshold the model card calibrated for R. ' +
    "SPREAD: CENTROID's distance against the identity's own threshold t_R + β·s, s the leave-one-out spread of its R references (referenceSpread), where the card sets β (thresholds.referenceShift) and calibrated t_R on d − β·s. " +
    'SINGLE: one enrolled image and the 1:1 threshold (as verify). ' +
    'NEAREST: the card has no calibration for this many references: the nearest enrolled image and the 1:1 threshold (the false-accept rate can grow with the references). ' +
    "LABELLED (opt-in, SIAMESE_LABELLED_RULE): CENTROID's distance against the identity's own threshold min(t_R, ½·(s + f) + offset) (capped; midpoint: without the cap t_R), from the references' spread s and the mean distance f of the K newest negatives labelled for it (labelPair same: false against one of its images); the card calibrates the offset for R and K (only models validated on skilled forgeries).",
});

/** Which encoder answered verifyIdentity (services/identity-verification.service.ts, routeReferences). */
export enum ReferenceEncoderEnum {
  PRIMARY = 'PRIMARY',
  COMPANION = 'COMPANION',
}

registerEnumType(ReferenceEncoderEnum, {
  name: 'ReferenceEncoder',
  description:
    'PRIMARY: the served model (`model`). COMPANION: the second encoder the server was started with (SIAMESE_COMPANION_MODEL; `model { companion }`), ' +
    "which answers from its fromReferences references on, with its own card's thresholds: distances of the two encoders are not comparable.",
});

@ObjectType({ description: "verifyIdentity's calibration for R references, measured on the model's validation identities." })
export class ReferenceThreshold {
  @Field(() => Int, { description: 'R: enrolled references averaged.' })
  references!: number;

  @Field(() => Float, { description: 'Distance threshold for R references (the card default rule).' })
  threshold!: number;

  @Field(() => Float, { description: 'Validation AUC of centroid distances with R references.' })
  auc!: number;

  @Field(() => Float, { description: 'Validation equal error rate with R references.' })
  eer!: number;

  @Field(() => Float, { description: 'Validation false-accept rate at the threshold.' })
  far!: number;

  @Field(() => Float, { description: 'Validation false-reject rate at the threshold.' })
  frr!: number;
}

@ObjectType({
  description:
    "verifyIdentity's calibration for R references and K labelled negatives (rule LABELLED), measured on the model's validation identities.",
})
export class LabelledThreshold {
  @Field(() => Int, { description: 'R: enrolled references averaged.' })
  references!: number;

  @Field(() => Int, { description: 'K: the newest negatives labelled for the identity that set its threshold.' })
  labelled!: number;

  @Field(() => Float, {
    description:
      'Added to the midpoint ½·(s + f): the threshold is min(t_R, ½·(s + f) + offset), or without t_R under midpoint (a distance, either sign).',
  })
  offset!: number;

  @Field(() => Float, { description: 'Validation AUC of the distance read against the midpoint.' })
  auc!: number;

  @Field(() => Float, { description: 'Validation equal error rate with R references and K labelled negatives.' })
  eer!: number;

  @Field(() => Float, { description: 'Validation false-accept rate (unlabelled forgeries) of the capped decision at the offset.' })
  far!: number;

  @Field(() => Float, { description: 'Validation false-reject rate of the capped decision at the offset.' })
  frr!: number;
}

@ObjectType({ description: 'The answer to "is this image the enrolled identity?" (several references).' })
export class IdentityVerification {
  @Field(() => ID)
  identityId!: string;

  @Field(() => Boolean, { description: 'distance ≤ threshold.' })
  match!: boolean;

  @Field(() => Float, { description: "The rule's distance: to the references' centroid (CENTROID) or the nearest reference." })
  distance!: number;

  @Field(() => Float, { description: 'cosine: 1 − distance; euclidean: 1 / (1 + distance).' })
  similarity!: number;

  @Field(() => Float, {
    description: "The threshold applied: the argument, or the rule's (the card's for R; SPREAD and LABELLED: the identity's own).",
  })
  threshold!: number;

  @Field(() => ReferenceRuleEnum)
  rule!: ReferenceRuleEnum;

  @Field(() => [ID], { description: 'The enrolled images compared, oldest first.' })
  referenceImageIds!: string[];

  @Field(() => Int, { description: 'Images the identity has enrolled.' })
  enrolledImages!: number;

  @Field(() => ReferenceThreshold, {
    nullable: true,
    description:
      "The card's validation rates for this R (CENTROID, SPREAD and LABELLED), at the card's threshold (not a `threshold` argument; SPREAD: its threshold is on d − β·s).",
  })
  calibration?: ReferenceThreshold | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'The leave-one-out spread s of the references compared wherever the card sets β (rule SPREAD: threshold = calibration.threshold + β·s; also under LABELLED, whose cap it moves, and beside a given threshold); null on other cards and for SINGLE and NEAREST.',
  })
  referenceSpread?: number | null;

  @Field(() => [ID], { description: 'LABELLED: the labelled pairs whose negatives set the threshold, newest first ([] for other rules).' })
  labelledPairIds!: string[];

  @Field(() => LabelledThreshold, {
    nullable: true,
    description: "LABELLED: the card's validation rates for R references and K labelled negatives, at the card's offset.",
  })
  labelledCalibration?: LabelledThreshold | null;

  @Field(() => MetricEnum)
  metric!: MetricEnum;

  @Field(() => String, { description: "The version of the encoder that answered (the companion's when encoder is COMPANION)." })
  modelVersion!: string;

  @Field(() => ReferenceEncoderEnum, { description: 'Which encoder answered: the served model or its companion.' })
  encoder!: ReferenceEncoderEnum;

  @Field(() => FaceDetection, { nullable: true, description: 'The face of the image that was compared (models with a face stage).' })
  face?: FaceDetection | null;
}
