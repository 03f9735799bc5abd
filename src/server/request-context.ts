import type { Config } from '../config';
import type { GraphQLContext } from '../resolvers';
import type { Services } from '../services';
import { nameRole, roleAtLeast, type AccessSettings } from '../services/access';
import { assertFieldRole, assertImageIdAllowed, assertRole, identifyCaller } from './auth';

/** What a transport (HTTP request, WebSocket connection) knows about its caller. */
export interface CallerCredentials {
  /** The Authorization header value (HTTP header, or the graphql-ws connection params). */
  authorization: string | undefined;
  /** Who is asking, for per-client limits (the TCP peer address). */
  clientId: string;
}

/**
 * One GraphQL context per operation, the same for every transport: HTTP and WebSocket
 * callers get exactly the same authorisation (issue 13). Async because an API key is
 * checked against the database (cached for a few seconds, see ApiKeyService); anonymous
 * callers and the admin token never touch it.
 */
export async function createRequestContext(
  services: Services,
  config: Readonly<Config>,
  caller: CallerCredentials,
): Promise<GraphQLContext> {
  const access: AccessSettings = config.access;
  const who = await identifyCaller(caller.authorization, { adminToken: config.adminToken, access }, services.apiKeys);
  const audienceRole = (audience: 'read' | 'names') => (audience === 'names' ? nameRole(access) : 'read');
  return {
    services,
    role: who.role,
    authenticated: who.authenticated,
    apiKeyId: who.apiKeyId,
    require: (role) => assertRole(who, role),
    requireAdmin: () => assertRole(who, 'admin'),
    requireField: (audience, field) => assertFieldRole(who, audienceRole(audience), field),
    requireImageIdAllowed: (argument) => assertImageIdAllowed(who, argument),
    canRead: (audience) => who.refusal === null && roleAtLeast(who.role, audienceRole(audience)),
    clientId: caller.clientId,
  };
}
