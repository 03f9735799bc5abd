import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { CreateIdentityArgs, EnrolledImage, IdArgs, IdentitiesArgs, Identity, IdentityConnection, ImageInput } from '../schema';
import type { GraphQLContext } from './context';
import { toIdentity, toImage } from './mappers';

@Resolver(() => Identity)
export class IdentityResolver {
  @Query(() => Identity, { description: 'One identity (NOT_FOUND when absent).' })
  async identity(@Args(() => IdArgs) { id }: IdArgs, @Ctx() ctx: GraphQLContext): Promise<Identity> {
    ctx.require('read');
    return toIdentity(await ctx.services.identities.get(id));
  }

  @Query(() => IdentityConnection, { description: 'Identities, oldest first (Relay connection).' })
  async identities(@Args(() => IdentitiesArgs) { first, after }: IdentitiesArgs, @Ctx() ctx: GraphQLContext): Promise<IdentityConnection> {
    ctx.require('read');
    const page = await ctx.services.identities.page(first, after);
    return {
      edges: page.items.map((e) => ({ cursor: e.cursor, node: toIdentity(e.node) })),
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: page.hasPreviousPage,
        startCursor: page.items[0]?.cursor ?? null,
        endCursor: page.items[page.items.length - 1]?.cursor ?? null,
      },
      totalCount: page.totalCount,
    };
  }

  @FieldResolver(() => [EnrolledImage], { complexity: 10, description: "The identity's enrolled images, oldest first." })
  async images(@Root() identity: Identity, @Ctx() ctx: GraphQLContext): Promise<EnrolledImage[]> {
    ctx.requireField('read', 'Identity.images');
    return (await ctx.services.identities.images(identity.id)).map(toImage);
  }

  @Mutation(() => Identity, { description: 'Role enroll: creates an identity to enroll images into.' })
  async createIdentity(
    @Args(() => CreateIdentityArgs) { name, metadata }: CreateIdentityArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Identity> {
    ctx.require('enroll');
    return toIdentity(await ctx.services.identities.create(name, metadata));
  }

  @Mutation(() => [EnrolledImage], {
    description: 'Role enroll: adds images to an identity. All are embedded first; nothing is stored if any is refused.',
    complexity: 50,
  })
  async enrollImages(
    @Arg('identityId', () => ID) identityId: string,
    // The per-call limit (TOO_MANY_IMAGES) is checked by the service; the request-size and
    // query-cost limits stop absurd lists before they get here.
    @Arg('images', () => [ImageInput]) images: ImageInput[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<EnrolledImage[]> {
    ctx.require('enroll');
    return (await ctx.services.enrollment.enrollImages(identityId, images)).map(toImage);
  }

  @Mutation(() => Boolean, { description: 'Admin: erases an identity, its images, embeddings and index vectors for good.' })
  async deleteIdentity(@Args(() => IdArgs) { id }: IdArgs, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    ctx.require('admin');
    return ctx.services.identities.delete(id);
  }

  @Mutation(() => Boolean, { description: 'Admin: erases one enrolled image with its embeddings and vectors.' })
  async deleteImage(@Args(() => IdArgs) { id }: IdArgs, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    ctx.require('admin');
    return ctx.services.identities.deleteImage(id);
  }
}
