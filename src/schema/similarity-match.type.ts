import { Field, Float, ID, ObjectType } from 'type-graphql';
import { Identity } from './identity.type';

@ObjectType({ description: 'One identity found near the query image: its best (closest) enrolled image.' })
export class SimilarityMatch {
  @Field(() => Identity)
  identity!: Identity;

  @Field(() => ID, { description: 'The identity\'s closest enrolled image.' })
  imageId!: string;

  @Field(() => Float)
  distance!: number;

  @Field(() => Float)
  similarity!: number;

  @Field(() => Boolean, {
    description: 'distance ≤ the calibrated threshold: false for everyone when the query is a stranger.',
  })
  match!: boolean;
}
