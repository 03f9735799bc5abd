import { Field, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { EnrolledImage } from './enrolled-image.type';
import { Restricted } from './field-access';

/** A person (or character, signature owner…) that enrolled images belong to. */
@ObjectType({ description: 'An enrolled identity.' })
export class Identity {
  @Field(() => ID)
  id!: string;

  @Field(() => String, {
    description: 'Role read, or search with SIAMESE_SEARCH_NAMES (README "Access model"); FORBIDDEN when selected without it.',
  })
  @Restricted('names')
  name!: string;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Free-form attributes given at creation. Role read.' })
  @Restricted('read')
  metadata!: Record<string, unknown> | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Int, { description: 'Number of enrolled images.' })
  imageCount!: number;

  // Resolved by IdentityResolver (field resolver), listed here so the shape lives in one file.
  @Field(() => [EnrolledImage], { complexity: 10, description: 'Role read.' })
  images?: EnrolledImage[];
}
