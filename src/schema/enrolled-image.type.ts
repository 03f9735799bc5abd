import { Field, ID, Int, ObjectType } from 'type-graphql';

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

  @Field(() => String, { description: 'Hex SHA-256 of the original bytes.' })
  sha256!: string;

  @Field(() => Date)
  createdAt!: Date;
}
