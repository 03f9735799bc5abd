import { Field, Float, ObjectType } from 'type-graphql';
import { FaceDetection } from './face-detection.type';
import { MetricEnum } from './metric.enum';

@ObjectType({ description: 'The answer to "are these two images the same identity?".' })
export class Verification {
  @Field(() => Boolean, { description: 'distance ≤ threshold.' })
  match!: boolean;

  @Field(() => Float)
  distance!: number;

  @Field(() => Float, { description: 'cosine: 1 − distance; euclidean: 1 / (1 + distance).' })
  similarity!: number;

  @Field(() => Float, { description: "The threshold applied: the argument, or the model's calibrated default." })
  threshold!: number;

  @Field(() => MetricEnum)
  metric!: MetricEnum;

  @Field(() => String)
  modelVersion!: string;

  @Field(() => FaceDetection, {
    nullable: true,
    description:
      'The face of `a` that was compared (models with a face stage). Null without one, or when `a` is an imageId whose stored vector was used.',
  })
  faceA?: FaceDetection | null;

  @Field(() => FaceDetection, { nullable: true, description: 'The face of `b` that was compared; see faceA.' })
  faceB?: FaceDetection | null;
}
