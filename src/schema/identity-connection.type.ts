import { Field, Int, ObjectType } from 'type-graphql';
import { Identity } from './identity.type';

@ObjectType({ description: 'Relay page info.' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType()
export class IdentityEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Identity)
  node!: Identity;
}

@ObjectType({ description: 'Relay connection over identities, oldest first.' })
export class IdentityConnection {
  @Field(() => [IdentityEdge])
  edges!: IdentityEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}
