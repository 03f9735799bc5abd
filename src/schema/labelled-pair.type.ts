import { Field, Float, ID, ObjectType } from 'type-graphql';
import { Restricted } from './field-access';

@ObjectType({ description: 'An explicit judgement that two images show the same identity or not; used by every retraining run.' })
export class LabelledPair {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true, description: 'The enrolled image of side a (null: an uploaded image stored with the pair).' })
  imageAId!: string | null;

  @Field(() => ID, { nullable: true })
  imageBId!: string | null;

  @Field(() => String, { description: 'SHA-256 (hex) of side a. Role read.' })
  @Restricted('read')
  imageASha256!: string;

  @Field(() => String, { description: 'SHA-256 (hex) of side b. Role read.' })
  @Restricted('read')
  imageBSha256!: string;

  @Field(() => Boolean, { description: 'true: same identity.' })
  same!: boolean;

  @Field(() => Float, { description: 'Training weight (corrections weigh more).' })
  weight!: number;

  @Field(() => String, { description: "'correction' when the serving model decided the other way at labelling time, else 'admin'." })
  source!: string;

  @Field(() => String, { nullable: true })
  note!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => [ID], {
    description:
      'The identities this pair shows: the owners of its enrolled sides and those named when labelling uploaded sides. Deleting one of them erases the pair.',
  })
  identityIds!: string[];

  @Field(() => Boolean, { nullable: true, description: 'The serving model disagreed with this label (only on the labelPair answer).' })
  correction?: boolean | null;

  @Field(() => Float, {
    nullable: true,
    description: "The serving model's distance between the two images (only on the labelPair answer).",
  })
  modelDistance?: number | null;

  @Field(() => String, { nullable: true, description: 'The model version that gave modelDistance.' })
  modelVersion?: string | null;
}

@ObjectType()
export class LabelledPairPage {
  @Field(() => [LabelledPair])
  items!: LabelledPair[];

  @Field(() => String, { nullable: true })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;
}
