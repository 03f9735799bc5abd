import { Arg, Ctx, Float, Int, Mutation, Query, Resolver } from 'type-graphql';
import { ImageInput } from '../schema/image.input';
import { LabelledPair, LabelledPairPage } from '../schema/labelled-pair.type';
import type { GraphQLContext } from './context';
import { retraining, toLabelledPair } from './retraining.mappers';

@Resolver()
export class LabelledPairResolver {
  @Mutation(() => LabelledPair, {
    description:
      'Admin: records that two images show the same identity (same: true) or not. Stored with its images; every later retraining uses it. When the serving model decides the other way, the pair is stored as a correction and weighs 3× by default.',
    complexity: 20,
  })
  async labelPair(
    @Arg('a', () => ImageInput) a: ImageInput,
    @Arg('b', () => ImageInput) b: ImageInput,
    @Arg('same', () => Boolean) same: boolean,
    @Arg('weight', () => Float, { nullable: true, description: 'Training weight (default 1, or 3 for a correction).' }) weight: number | null,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LabelledPair> {
    ctx.requireAdmin();
    return toLabelledPair(await retraining(ctx).labelPair(a, b, same, { weight, note }));
  }

  @Query(() => LabelledPairPage, { description: 'Admin: labelled pairs, oldest first.' })
  async labelledPairs(
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LabelledPairPage> {
    ctx.requireAdmin();
    const page = await retraining(ctx).listPairs(first, after);
    return { items: page.items.map(toLabelledPair), endCursor: page.endCursor, hasNextPage: page.hasNextPage };
  }
}
