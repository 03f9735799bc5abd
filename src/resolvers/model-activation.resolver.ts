import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ModelCardSummary } from '../schema/model-card.type';
import { ModelVersion } from '../schema/model-version.type';
import type { ModelVersionRecord } from '../services/retraining/types';
import type { GraphQLContext } from './context';
import { retraining, toModelVersion } from './retraining.mappers';

/** A version with the card stored beside it, for the `card` field. */
function withCard(r: ModelVersionRecord): ModelVersion {
  return Object.assign(toModelVersion(r), { sourceCard: r.card });
}

@Resolver(() => ModelVersion)
export class ModelActivationResolver {
  @Mutation(() => ModelVersion, {
    description:
      'Admin: makes a known model version the serving one (rollback or roll forward). Its vectors and index are built beside the serving ones, checked, then swapped in one step; queries never see two models mixed.',
  })
  async activateModel(@Arg('version', () => String) version: string, @Ctx() ctx: GraphQLContext): Promise<ModelVersion> {
    ctx.require('admin');
    return withCard(await retraining(ctx).activateModel(version));
  }

  @Query(() => [ModelVersion], { description: 'Admin: every model version known here, newest first.' })
  async modelVersions(@Ctx() ctx: GraphQLContext): Promise<ModelVersion[]> {
    ctx.require('admin');
    return (await retraining(ctx).listModelVersions()).map(withCard);
  }

  @FieldResolver(() => ModelCardSummary, {
    description: "The card stored with this version, for people (the Model query's `card`, for any version).",
    complexity: 5,
  })
  card(@Root() version: ModelVersion, @Ctx() ctx: GraphQLContext): ModelCardSummary {
    return Object.assign(new ModelCardSummary(), ctx.services.model.summarizeCard(version.sourceCard));
  }
}
