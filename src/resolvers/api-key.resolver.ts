import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { AccessRoleEnum, ApiKey, CreatedApiKey, Viewer } from '../schema/api-key.type';
import type { ApiKeyRow } from '../services';
import type { GraphQLContext } from './context';

const toApiKey = (r: ApiKeyRow): ApiKey =>
  Object.assign(new ApiKey(), {
    id: r.id,
    name: r.name,
    role: r.role as AccessRoleEnum,
    prefix: r.prefix,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
    revokedAt: r.revokedAt,
  });

@Resolver()
export class ApiKeyResolver {
  @Query(() => Viewer, {
    description:
      'Who the server takes the caller for. Allowed to everyone; a refused credential (revoked key, wrong token) answers its error here too.',
  })
  viewer(@Ctx() ctx: GraphQLContext): Viewer {
    ctx.require('none');
    return Object.assign(new Viewer(), {
      role: ctx.role as AccessRoleEnum,
      authenticated: ctx.authenticated,
      apiKeyId: ctx.apiKeyId,
      seesIdentityNames: ctx.canRead('names'),
      seesPersonalData: ctx.canRead('read'),
    });
  }

  @Query(() => [ApiKey], { description: 'Admin: every API key, revoked ones included, oldest first.' })
  async apiKeys(@Ctx() ctx: GraphQLContext): Promise<ApiKey[]> {
    ctx.require('admin');
    return (await ctx.services.apiKeys.list()).map(toApiKey);
  }

  @Mutation(() => CreatedApiKey, {
    description: 'Admin: makes an API key for one application. The key is in this answer only; the server stores its SHA-256.',
  })
  async createApiKey(
    @Arg('name', () => String) name: string,
    @Arg('role', () => AccessRoleEnum) role: AccessRoleEnum,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreatedApiKey> {
    ctx.require('admin');
    const { key, apiKey } = await ctx.services.apiKeys.create(name, role);
    return Object.assign(new CreatedApiKey(), { key, apiKey: toApiKey(apiKey) });
  }

  @Mutation(() => Boolean, {
    description:
      'Admin: revokes an API key for good. true: revoked now; false: it already was (NOT_FOUND when absent). This server refuses it at once, other processes on the same database within 5 s.',
  })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    ctx.require('admin');
    return ctx.services.apiKeys.revoke(id);
  }
}
