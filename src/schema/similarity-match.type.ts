import { Field, Float, ID, ObjectType } from 'type-graphql';
import { FaceDetection } from './face-detection.type';
import { Identity } from './identity.type';

@ObjectType({ description: 'One identity found near the query image: its best (closest) enrolled image.' })
export class SimilarityMatch {
  @Field(() => Identity)
  identity!: Identity;

  @Field(() => ID, { description: "The identity's closest enrolled image." })
  imageId!: string;

  @Field(() => Float)
  distance!: number;

  @Field(() => Float)
  similarity!: number;

  @Field(() => Boolean, {
    description:
      "distance ≤ threshold, the open-set (1:N) threshold for the gallery's size: it aims at a stranger getting match: true anywhere in the answer with probability SIAMESE_OPEN_SET_FAR (5 % by default), as estimated from the model's validation ROC.",
  })
  match!: boolean;

  @Field(() => Float, {
    description:
      "The distance threshold `match` used (the same for every entry of one answer): the largest ROC threshold whose false-accept rate is ≤ 1 − (1 − α)^(1/N) for N enrolled images, never looser than the model's 1:1 default (which it equals when SIAMESE_OPEN_SET_FAR=off).",
  })
  threshold!: number;

  @Field(() => FaceDetection, {
    nullable: true,
    description:
      'The face of the query image that was searched with (the same on every entry). Null for a model without a face stage, or when the query is an imageId whose stored vector was used.',
  })
  face?: FaceDetection | null;
}
