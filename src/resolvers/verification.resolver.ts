import { Arg, Ctx, Float, ID, Query, Resolver } from 'type-graphql';
import { IdentityVerification, ImageInput, Verification } from '../schema';
import type { GraphQLContext } from './context';
import { toIdentityVerification, toVerification } from './mappers';
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

  @Query(() => IdentityVerification, {
    description:
      "Is this image the enrolled identity? Compares it with the identity's enrolled references: the centroid of R of them " +
      "with the threshold the model calibrated for R (rule CENTROID; SPREAD where the card moves it by the references' own spread), " +
      "or with the identity's own threshold once negatives were " +
      'labelled for it and the model calibrated that (LABELLED), else see ReferenceRule. NOT_FOUND for an unknown ' +
      'identity, BAD_USER_INPUT for one with no images. Role read (README "Access model").',
    complexity: 50,
  })
  async verifyIdentity(
    @Arg('identityId', () => ID) identityId: string,
    @Arg('image', () => ImageInput) image: ImageInput,
    @Arg('threshold', () => Float, {
      nullable: true,
      description:
        "Distance threshold for the rule's distance (match when distance ≤ threshold), in the answering encoder's distances: with a companion (SIAMESE_COMPANION_MODEL), identities with fromReferences or more references are answered by it (encoder: COMPANION).",
    })
    threshold: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<IdentityVerification> {
    // Role read, as an imageId input: below it, an identity id would make a 1:1 oracle on anyone enrolled.
    ctx.require('read');
    requireImageInputsAllowed(ctx, { image });
    return toIdentityVerification(await ctx.services.identityVerification.verifyIdentity(identityId, image, threshold));
  }
}
