import { Field, ID, Int, ObjectType } from 'type-graphql';
import { FaceDetection } from './face-detection.type';
import { Restricted } from './field-access';

/** An image kept for an identity (the original bytes stay in the database so a new model can re-embed them). */
@ObjectType({ description: 'An enrolled image. Its bytes are kept server-side and never returned.' })
export class EnrolledImage {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  identityId!: string;

  @Field(() => String)
  mimeType!: string;

  @Field(() => Int)
  width!: number;

  @Field(() => Int)
  height!: number;

  @Field(() => Int)
  byteSize!: number;

  @Field(() => String, { description: 'Hex SHA-256 of the original bytes. Role read: a hash tells whether a known photo is enrolled.' })
  @Restricted('read')
  sha256!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => FaceDetection, {
    nullable: true,
    description:
      'The face the image was embedded from, on the enrollImages answer when the model has a face stage. Null elsewhere: faces are not stored (a new model re-detects them from the bytes).',
  })
  face?: FaceDetection | null;
}
