/**
 * GraphQL subscriptions (graphql-ws protocol) on the HTTP server's own port and path:
 * `ws://host:port/graphql`. Used by `trainingProgress(runId)`. Admin auth comes from the
 * connection params (`{ Authorization: 'Bearer <token>' }`, as browsers cannot set
 * headers on a WebSocket), or from the upgrade request's Authorization header.
 *
 * The WebSocket door has the HTTP door's rules (issue 13), from the same GraphQLPolicy:
 * validation with introspection off where configured and suggestions hidden in
 * production, depth and cost limits, the per-client token bucket, the same error
 * formatter (codes, masking). It carries subscriptions only: queries and mutations are
 * refused with OPERATION_NOT_SUPPORTED ("use HTTP POST /graphql"), so there is one place
 * where they run, with uploads, batching and CSRF rules that only make sense over HTTP.
 * Per connection: a connection_init deadline, a message size cap, a bound on concurrent
 * subscriptions; per client: a bound on open connections (the upgrade answers 429).
 */
import type * as http from 'http';
import { WebSocketServer } from 'ws';
import {
  GraphQLError,
  OperationTypeNode,
  getOperationAST,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import type { Config } from '../config';
import { ErrorCode } from '../errors';
import type { GraphQLContext } from '../resolvers';
import type { Services } from '../services';
import type { GraphQLPolicy } from './graphql-policy';
import { createRequestContext } from './request-context';

// graphql-ws ships `use/ws` through package exports only, which this project's node10
// module resolution cannot see for types; the runtime require is the documented path.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { useServer } = require('graphql-ws/use/ws') as typeof import('graphql-ws/dist/use/ws.cjs');

/** A client that opened a socket must say connection_init this soon, or the socket is closed (4408). */
export const CONNECTION_INIT_TIMEOUT_MS = 3000;
/** Concurrent subscriptions on one connection (each holds a listener on a training run). */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 16;
/** A subscription document has one root field and a small selection; this bounds parse work. */
const MAX_DOCUMENT_TOKENS = 2000;

export interface SubscriptionServer {
  close(): Promise<void>;
}

export interface SubscriptionServerOptions {
  server: http.Server;
  schema: GraphQLSchema;
  services: Services;
  config: Readonly<Config>;
  /** The HTTP door's policy (createHttpApp's), so both share the rules and the client buckets. */
  policy: GraphQLPolicy;
  path?: string;
}

export function attachSubscriptions(opts: SubscriptionServerOptions): SubscriptionServer {
  const { server, schema, services, config, policy } = opts;
  const { limits } = config;
  const openPerClient = new Map<string, number>();
  const wss = new WebSocketServer({
    server,
    path: opts.path ?? '/graphql',
    maxPayload: limits.wsMaxMessageBytes,
    // Checked at the upgrade, before a socket exists: an HTTP 429 the client can see.
    verifyClient: (info, done) => {
      const client = clientKey(info.req);
      if ((openPerClient.get(client) ?? 0) >= limits.wsMaxConnectionsPerClient) {
        done(false, 429, `Too many WebSocket connections from this client (limit ${limits.wsMaxConnectionsPerClient})`);
        return;
      }
      done(true);
    },
  });
  wss.on('connection', (socket, request) => {
    const client = clientKey(request);
    openPerClient.set(client, (openPerClient.get(client) ?? 0) + 1);
    socket.once('close', () => {
      const n = (openPerClient.get(client) ?? 1) - 1;
      if (n <= 0) openPerClient.delete(client);
      else openPerClient.set(client, n);
    });
  });

  const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] => errors.map((e) => formatOne(policy, e));
  const cleanup = useServer<Record<string, unknown>>(
    {
      schema,
      // Never put an internal error's message in a close reason (graphql-ws does outside production).
      isProd: true,
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      onSubscribe: async (ctx, _id, payload) => {
        const clientId = clientKey(ctx.extra.request);
        try {
          // graphql-ws registers the new id before this hook, so the count includes it.
          if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
            return [coded(`At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection.`, ErrorCode.RATE_LIMITED)];
          }
          // One token per operation, before any parsing: a flood of subscribe messages costs the
          // client its bucket, not the server's event loop.
          policy.chargeRateLimit(clientId, 1);
          let document: DocumentNode;
          try {
            document = policy.parse(payload.query, { maxTokens: MAX_DOCUMENT_TOKENS });
          } catch (e) {
            return [coded((e as Error).message, 'GRAPHQL_PARSE_FAILED', e)];
          }
          const operation = getOperationAST(document, payload.operationName);
          if (!operation) {
            return [coded('Unable to identify the operation: name one with operationName.', 'OPERATION_RESOLUTION_FAILURE')];
          }
          if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
            return [
              coded(
                `The WebSocket endpoint carries subscriptions only; send this ${operation.operation} with HTTP POST /graphql.`,
                ErrorCode.OPERATION_NOT_SUPPORTED,
              ),
            ];
          }
          const invalid = validate(schema, document, [...specifiedRules, ...policy.extraValidationRules]);
          if (invalid.length > 0) return invalid.map((e) => coded(policy.clientMessage(e.message), 'GRAPHQL_VALIDATION_FAILED', e));
          policy.checkOperationLimits({ schema, document, operationName: payload.operationName, variables: payload.variables });
          const args: ExecutionArgs = {
            schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue: await context(ctx.connectionParams, ctx.extra.request, clientId),
          };
          return args;
        } catch (e) {
          if (e instanceof GraphQLError) return [e];
          // Unexpected: formatted (masked, logged) through onError like any other.
          return [new GraphQLError((e as Error)?.message ?? String(e), { originalError: e as Error })];
        }
      },
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
    },
    wss,
  );

  function context(params: Record<string, unknown> | undefined, request: http.IncomingMessage, clientId: string): Promise<GraphQLContext> {
    const fromParams = params?.Authorization ?? params?.authorization;
    const header = typeof fromParams === 'string' ? fromParams : request.headers.authorization;
    // Awaited whether or not the context factory is async (API keys are looked up in the database).
    return Promise.resolve(createRequestContext(services, config, { authorization: header, clientId }));
  }

  return {
    close: async () => {
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** The client key of the HTTP door (Express `req.ip` without `trust proxy` is the TCP peer address). */
function clientKey(request: http.IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}

function coded(message: string, code: string, cause?: unknown): GraphQLError {
  const nodes = cause instanceof GraphQLError ? cause.nodes : undefined;
  const source = cause instanceof GraphQLError ? cause.source : undefined;
  const positions = cause instanceof GraphQLError ? cause.positions : undefined;
  return new GraphQLError(message, { nodes, source, positions, extensions: { code } });
}

/** The HTTP formatter, fed as Apollo feeds it: the HTTP-only `extensions.http` removed first. */
function formatOne(policy: GraphQLPolicy, error: GraphQLError): GraphQLFormattedError {
  const json = error.toJSON();
  const extensions = { ...(json.extensions ?? {}) };
  delete extensions.http;
  return policy.formatError({ ...json, extensions }, error);
}
