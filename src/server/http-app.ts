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
import { drainUnreadUploads, multipartPreflightGuard } from './csrf-preflight';
import { createGraphQLPolicy, type GraphQLPolicy } from './graphql-policy';
import { graphiqlHtml } from './graphiql';
import { healthzHandler } from './healthz';
import { batchLimit, httpErrorHandler } from './http-errors';
import { operationLimitsPlugin } from './operation-limits.plugin';
import { rateLimitPlugin } from './rate-limit';
import { createRequestContext } from './request-context';

export interface HttpAppOptions {
  config: Readonly<Config>;
  services: Services;
  schema: GraphQLSchema;
  logger: Logger;
  /** Extra readiness facts for /healthz. */
  health?: () => Record<string, unknown>;
}

export interface HttpApp {
  server: http.Server;
  apollo: ApolloServer<GraphQLContext>;
  /** The rules of this server's GraphQL door; the WebSocket transport must take the same (graphql-ws.ts). */
  policy: GraphQLPolicy;
}

/**
 * Express 5 + Apollo Server 5 on one http.Server. Order on /graphql:
 * GraphiQL for browsers → CSRF guard for multipart → multipart parser
 * (graphql-upload-minimal, size/file limits) → JSON parser (size limit) →
 * batch limit → Apollo (CSRF prevention on, depth/cost limits, masked errors).
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
      ...(policy.hideSuggestions ? [ApolloServerPluginDisableSuggestions()] : []),
    ],
  });
  await apollo.start();

  app.get('/healthz', healthzHandler(services, opts.health));

  const html = config.graphiql ? graphiqlHtml('/graphql') : undefined;
  app.get('/graphql', (req, res, next) => {
    if (html && req.accepts(['application/json', 'text/html']) === 'text/html' && !req.query.query) {
      res.type('html').send(html);
      return;
    }
    next();
  });

  app.use(
    '/graphql',
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
