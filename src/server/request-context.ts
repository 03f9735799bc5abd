import type { Config } from '../config';
import type { GraphQLContext } from '../resolvers';
import type { Services } from '../services';
import { assertAdmin } from './auth';

/** What a transport (HTTP request, WebSocket connection) knows about its caller. */
export interface CallerCredentials {
  /** The Authorization header value (HTTP header, or the graphql-ws connection params). */
  authorization: string | undefined;
  /** Who is asking, for per-client limits (the TCP peer address). */
  clientId: string;
}

/**
 * One GraphQL context per operation, the same for every transport: HTTP and
 * WebSocket callers get exactly the same authorisation (issue 13).
 */
export function createRequestContext(services: Services, config: Readonly<Config>, caller: CallerCredentials): GraphQLContext {
  return {
    services,
    requireAdmin: () => assertAdmin(caller.authorization, config.adminToken),
    clientId: caller.clientId,
  };
}
