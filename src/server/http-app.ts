import * as http from 'http';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDisableSuggestions } from '@apollo/server/plugin/disableSuggestions';
import { graphqlUploadExpress } from 'graphql-upload-minimal';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config';
import type { GraphQLContext } from '../resolvers';
import type { Logger, Services } from '../services';
import type { DecodeAdmission } from '../services/decode-admission';
import { drainUnreadUploads, multipartPreflightGuard } from './csrf-preflight';
import { createGraphQLPolicy, type GraphQLPolicy } from './graphql-policy';
import { documentNestingGuard } from './document-nesting.middleware';
import { refusalStatusPlugin } from './refusal-status.plugin';
import { shedLargeBodiesWhenBusy } from './shed-when-busy';
import { graphiqlHtml } from './graphiql';
import { CONSOLE_PATH, consoleRoute, redirectToConsole } from './console.route';
import { healthzHandler } from './healthz';
import { batchLimit, httpErrorHandler } from './http-errors';
import { operationLimitsPlugin } from './operation-limits.plugin';
import { rateLimitPlugin } from './rate-limit';
import { createRequestContext } from './request-context';
import { thumbnailRoute } from './thumbnail.route';

export interface HttpAppOptions {
  config: Readonly<Config>;
  services: Services;
  schema: GraphQLSchema;
  logger: Logger;
  /** Extra readiness facts for /healthz. */
  health?: () => Record<string, unknown>;
  /** The image-decoding queue (main.ts): while it is saturated, large bodies are refused unread (shed-when-busy.ts). */
  admission?: Pick<DecodeAdmission, 'stats' | 'retryAfterMs' | 'heavyJobSlots'>;
}

export interface HttpApp {
  server: http.Server;
  apollo: ApolloServer<GraphQLContext>;
  /** The rules of this server's GraphQL door; the WebSocket transport must take the same (graphql-ws.ts). */
  policy: GraphQLPolicy;
}

/**
 * Express 5 + Apollo Server 5 on one http.Server. Order on /graphql:
 * GraphiQL for browsers → load shedding of large bodies while the decode queue is
 * saturated (unread) → CSRF guard for multipart → multipart parser
 * (graphql-upload-minimal, size/file limits) → JSON parser (size limit) →
 * batch limit → document nesting limit → Apollo (CSRF prevention on, token cap,
 * depth/cost limits, masked errors, 503/429 for busy/rate-limited answers).
 */
export async function createHttpApp(opts: HttpAppOptions): Promise<HttpApp> {
  const { config, services, schema, logger } = opts;
  const { limits } = config;
  const app = express();
  app.disable('x-powered-by');
  const server = http.createServer(app);

  const policy = createGraphQLPolicy({
    limits,
    introspection: config.introspection,
    hideSuggestions: config.isProduction,
    exposeStackTraces: config.exposeStackTraces,
    logger,
  });
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    csrfPrevention: true,
    introspection: policy.introspection,
    // maxTokens: a document of more tokens is GRAPHQL_PARSE_FAILED before its AST is built.
    parseOptions: policy.parseOptions,
    allowBatchedHttpRequests: limits.maxBatchSize > 1,
    includeStacktraceInErrorResponses: config.exposeStackTraces,
    formatError: policy.formatError,
    // Apollo's own SIGINT/SIGTERM handler stops Apollo and then re-sends the signal, killing the
    // process before the application's shutdown (index save, training run, database) has run:
    // `siamese serve` owns the signals (src/cli/serve.command.ts).
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      // Apollo's default landing page loads from a CDN; GraphiQL is served inline below instead.
      ApolloServerPluginLandingPageDisabled(),
      operationLimitsPlugin(policy),
      rateLimitPlugin(policy.limiter),
      // SERVER_BUSY → 503, RATE_LIMITED → 429 (+ Retry-After) when nothing else was answered.
      refusalStatusPlugin(),
      ...(policy.hideSuggestions ? [ApolloServerPluginDisableSuggestions()] : []),
    ],
  });
  await apollo.start();

  app.get('/healthz', healthzHandler(services, opts.health));
  // Issue 15: the web console (static bundle) and the thumbnails it shows (role read).
  app.get('/', redirectToConsole);
  app.use(CONSOLE_PATH, consoleRoute());
  app.get('/thumbnails/:imageId', thumbnailRoute({ config, services, logger }));

  const html = config.graphiql ? graphiqlHtml('/graphql') : undefined;
  app.get('/graphql', (req, res, next) => {
    if (html && req.accepts(['application/json', 'text/html']) === 'text/html' && !req.query.query) {
      res.type('html').send(html);
      return;
    }
    next();
  });

  const { admission } = opts;
  app.use(
    '/graphql',
    // First, before any body is read: while the decode queue is saturated, or as many large bodies as it
    // holds heavy jobs are in flight, a large body is refused with 503 SERVER_BUSY unread (parsing 4.6 MB
    // of JSON only to refuse it stalled the event loop).
    shedLargeBodiesWhenBusy({
      maxBytes: admission ? limits.shedRequestBytes : 0,
      load: () => ({
        saturated: admission!.stats().saturated,
        retryAfterMs: admission!.retryAfterMs(),
        heavyJobSlots: admission!.heavyJobSlots,
      }),
      drainLimitBytes: limits.maxRequestBytes,
    }),
    multipartPreflightGuard(),
    drainUnreadUploads(),
    graphqlUploadExpress({
      // +1: busboy truncates at the limit; the service counts bytes and refuses anything over maxUploadBytes.
      maxFileSize: limits.maxUploadBytes + 1,
      maxFiles: Math.max(2, limits.maxImagesPerCall),
      maxFieldSize: limits.maxRequestBytes,
    }),
    express.json({ limit: limits.maxRequestBytes }),
    batchLimit(limits.maxBatchSize),
    documentNestingGuard(policy),
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        createRequestContext(services, config, {
          authorization: req.headers.authorization,
          clientId: req.ip ?? req.socket.remoteAddress ?? 'unknown',
        }),
    }),
  );
  app.use(httpErrorHandler(logger));
  return { server, apollo, policy };
}
