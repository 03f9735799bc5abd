import { Field, Float, ObjectType } from 'type-graphql';

/**
 * A face found by the served model's face stage. Coordinates are pixels of the
 * image as uploaded, after its EXIF orientation is applied (x right, y down),
 * so a client can draw them on the photo it sent.
 */
@ObjectType({ description: 'A rectangle in image pixels (after EXIF rotation): top-left corner and size.' })
export class FaceBox {
  @Field(() => Float)
  x!: number;

  @Field(() => Float)
  y!: number;

  @Field(() => Float)
  width!: number;

  @Field(() => Float)
  height!: number;
}

@ObjectType({ description: 'A point in image pixels (after EXIF rotation).' })
export class FacePoint {
  @Field(() => Float)
  x!: number;

  @Field(() => Float)
  y!: number;
}

@ObjectType({ description: "A face found by the model's face stage (detector box, score and the five points it was aligned by)." })
export class FaceDetection {
  @Field(() => FaceBox, { description: "The detector's box around the face." })
  box!: FaceBox;

  @Field(() => Float, { description: 'Detector confidence in [0, 1].' })
  score!: number;

  @Field(() => [FacePoint], {
    description:
      "Five points from the 68 landmarks, in this order: left eye centre, right eye centre, nose tip, left mouth corner, right mouth corner (left/right as seen in the image). The face is aligned by mapping them onto the model's template.",
  })
  keypoints!: FacePoint[];
}
