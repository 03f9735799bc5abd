import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { ImageInput, SimilarityMatch } from '../schema';
import type { GraphQLContext } from './context';
import { toMatch } from './mappers';
import { requireImageInputsAllowed } from './access';

@Resolver()
export class SearchResolver {
  @Query(() => [SimilarityMatch], {
    description: 'Who is this? Up to k identities, each with its closest enrolled image, closest first.',
    complexity: 50,
  })
  async searchSimilar(
    @Arg('image', () => ImageInput) image: ImageInput,
    @Arg('k', () => Int, { defaultValue: 5 }) k: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SimilarityMatch[]> {
    ctx.require('search');
    requireImageInputsAllowed(ctx, { image });
    return (await ctx.services.search.searchSimilar(image, k)).map(toMatch);
  }
}
