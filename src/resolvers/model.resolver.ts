import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { ModelInfo } from '../schema';
import { ModelCardSummary, OpenSetThreshold } from '../schema/model-card.type';
import type { GraphQLContext } from './context';
import { toModel } from './mappers';

@Resolver(() => ModelInfo)
export class ModelResolver {
  @Query(() => ModelInfo, { description: 'The active model version and its calibration.' })
  model(@Ctx() ctx: GraphQLContext): ModelInfo {
    ctx.require('search');
    const active = ctx.services.model.active();
    return Object.assign(toModel(active), { sourceCard: active.card });
  }

  @FieldResolver(() => ModelCardSummary, {
    description: 'The model card for people: intended use and limitations, data, metrics with intervals, learning curve.',
    complexity: 5,
  })
  card(@Root() model: ModelInfo, @Ctx() ctx: GraphQLContext): ModelCardSummary {
    return Object.assign(new ModelCardSummary(), ctx.services.model.summarizeCard(model.sourceCard));
  }

  @FieldResolver(() => OpenSetThreshold, {
    description:
      "The 1:N threshold searchSimilar applies: for the current gallery (the serving index's live images) or for galleryImages when given.",
  })
  async openSet(
    @Ctx() ctx: GraphQLContext,
    @Arg('galleryImages', () => Int, { nullable: true, description: 'A gallery size to compute it for (default: the current one).' })
    galleryImages?: number | null,
  ): Promise<OpenSetThreshold> {
    return Object.assign(new OpenSetThreshold(), await ctx.services.model.openSetThreshold(galleryImages));
  }
}
