import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { ModelVersion } from '../schema/model-version.type';
import type { GraphQLContext } from './context';
import { retraining, toModelVersion } from './retraining.mappers';

@Resolver()
export class ModelActivationResolver {
  @Mutation(() => ModelVersion, {
    description:
      'Admin: makes a known model version the serving one (rollback or roll forward). Its vectors and index are built beside the serving ones, checked, then swapped in one step; queries never see two models mixed.',
  })
  async activateModel(@Arg('version', () => String) version: string, @Ctx() ctx: GraphQLContext): Promise<ModelVersion> {
    ctx.require('admin');
    return toModelVersion(await retraining(ctx).activateModel(version));
  }

  @Query(() => [ModelVersion], { description: 'Admin: every model version known here, newest first.' })
  async modelVersions(@Ctx() ctx: GraphQLContext): Promise<ModelVersion[]> {
    ctx.require('admin');
    return (await retraining(ctx).listModelVersions()).map(toModelVersion);
  }
}
