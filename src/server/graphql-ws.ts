/**
 * GraphQL subscriptions (graphql-ws protocol) on the HTTP server's own port and path:
 * `ws://host:port/graphql`. Used by `trainingProgress(runId)`. Admin auth comes from the
 * connection params (`{ Authorization: 'Bearer <token>' }`, as browsers cannot set
 * headers on a WebSocket), or from the upgrade request's Authorization header.
 */
import type * as http from 'http';
import { WebSocketServer } from 'ws';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config';
import type { GraphQLContext } from '../resolvers';
import type { Services } from '../services';
import { createRequestContext } from './request-context';

// graphql-ws ships `use/ws` through package exports only, which this project's node10
// module resolution cannot see for types; the runtime require is the documented path.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { useServer } = require('graphql-ws/use/ws') as typeof import('graphql-ws/dist/use/ws.cjs');

export interface SubscriptionServer {
  close(): Promise<void>;
}

export function attachSubscriptions(server: http.Server, schema: GraphQLSchema, services: Services, config: Readonly<Config>, path = '/graphql'): SubscriptionServer {
  const wss = new WebSocketServer({ server, path, maxPayload: 64 * 1024 });
  const cleanup = useServer<Record<string, unknown>>(
    {
      schema,
      context: (ctx): GraphQLContext => {
        const params = ctx.connectionParams ?? {};
        const fromParams = params.Authorization ?? params.authorization;
        const header = typeof fromParams === 'string' ? fromParams : ctx.extra.request.headers.authorization;
        return createRequestContext(services, config, {
          authorization: header,
          clientId: ctx.extra.request.socket.remoteAddress ?? 'unknown',
        });
      },
    },
    wss,
  );
  return {
    close: async () => {
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
