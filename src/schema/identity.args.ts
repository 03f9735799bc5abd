import { ArgsType, Field, ID, Int } from 'type-graphql';
import { IsOptional, Length, Min } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';

@ArgsType()
export class IdentitiesArgs {
  @Field(() => Int, { defaultValue: 20, description: 'Page size (at most the server limit).' })
  @Min(0)
  first!: number;

  @Field(() => String, { nullable: true, description: 'endCursor of the previous page.' })
  @IsOptional()
  @Length(1, 200)
  after?: string | null;
}

@ArgsType()
export class CreateIdentityArgs {
  @Field(() => String)
  @Length(1, 200)
  name!: string;

  @Field(() => GraphQLJSONObject, { nullable: true })
  metadata?: Record<string, unknown> | null;
}

@ArgsType()
export class IdArgs {
  @Field(() => ID)
  @Length(1, 64)
  id!: string;
}
