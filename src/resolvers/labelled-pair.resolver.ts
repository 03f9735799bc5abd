import { Arg, Ctx, Float, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { ImageInput } from '../schema/image.input';
import { LabelledPair, LabelledPairPage } from '../schema/labelled-pair.type';
import type { GraphQLContext } from './context';
import { retraining, toLabelledPair } from './retraining.mappers';

@Resolver()
export class LabelledPairResolver {
  @Mutation(() => LabelledPair, {
    description:
      'Role enroll: records that two images show the same identity (same: true) or not. Stored with its images; every later retraining uses it. When the serving model decides the other way, the pair is stored as a correction and weighs 3× by default.',
    complexity: 20,
  })
  async labelPair(
    @Arg('a', () => ImageInput) a: ImageInput,
    @Arg('b', () => ImageInput) b: ImageInput,
    @Arg('same', () => Boolean) same: boolean,
    @Arg('weight', () => Float, { nullable: true, description: 'Training weight (default 1, or 3 for a correction).' })
    weight: number | null,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Arg('identityIds', () => [ID], {
      nullable: true,
      description:
        'The people an uploaded side shows (enrolled sides tag their owner automatically). Deleting one of them erases this pair and its uploaded bytes. NOT_FOUND for an unknown id.',
    })
    identityIds: string[] | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LabelledPair> {
    ctx.require('enroll');
    return toLabelledPair(await retraining(ctx).labelPair(a, b, same, { weight, note, identityIds }));
  }

  @Mutation(() => Boolean, {
    description:
      'Admin: erases a labelled pair, its uploaded image bytes included (logged as an erasure, ids only). Later retraining runs never see it; a run that already read it does not promote its model. NOT_FOUND when absent.',
  })
  async deleteLabelledPair(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    ctx.require('admin');
    return retraining(ctx).deletePair(id);
  }

  @Query(() => LabelledPairPage, { description: 'Admin: labelled pairs, oldest first.' })
  async labelledPairs(
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LabelledPairPage> {
    ctx.require('admin');
    const page = await retraining(ctx).listPairs(first, after);
    return { items: page.items.map(toLabelledPair), endCursor: page.endCursor, hasNextPage: page.hasNextPage };
  }
}
