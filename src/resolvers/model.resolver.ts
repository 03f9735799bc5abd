import { Ctx, Query, Resolver } from 'type-graphql';
import { ModelInfo } from '../schema';
import type { GraphQLContext } from './context';
import { toModel } from './mappers';

@Resolver()
export class ModelResolver {
  @Query(() => ModelInfo, { description: 'The active model version and its calibration.' })
  model(@Ctx() ctx: GraphQLContext): ModelInfo {
    ctx.require('search');
    return toModel(ctx.services.model.active());
  }
}
