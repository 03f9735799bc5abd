import { Arg, Ctx, Float, Query, Resolver } from 'type-graphql';
import { ImageInput, Verification } from '../schema';
import type { GraphQLContext } from './context';
import { toVerification } from './mappers';
import { requireImageInputsAllowed } from './access';

@Resolver()
export class VerificationResolver {
  @Query(() => Verification, {
    description: 'Are these two images the same identity? Uses the calibrated threshold unless one is given.',
    complexity: 50,
  })
  async verify(
    @Arg('a', () => ImageInput) a: ImageInput,
    @Arg('b', () => ImageInput) b: ImageInput,
    @Arg('threshold', () => Float, { nullable: true, description: 'Distance threshold (match when distance ≤ threshold).' })
    threshold: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Verification> {
    ctx.require('search');
    requireImageInputsAllowed(ctx, { a, b });
    return toVerification(await ctx.services.verification.verify(a, b, threshold));
  }
}
