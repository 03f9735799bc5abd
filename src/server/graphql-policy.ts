import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { Limits } from '../config';
import { ErrorCode } from '../errors';
import { createFormatError, type ErrorLogger } from './format-error';
import { TokenBucketLimiter, rateLimitedError } from './rate-limit';

/**
 * The rules every GraphQL transport applies, in one place (issue 13): the HTTP
 * path (Apollo plugins, http-app.ts) and the WebSocket path (graphql-ws hooks,
 * graphql-ws.ts) both take them from one `GraphQLPolicy`, so a protection added
 * here cannot be forgotten on one door. One policy per server: its token bucket
 * is shared, so a client has one budget whichever transport it uses.
 */
export interface GraphQLPolicyOptions {
  limits: Pick<Limits, 'maxQueryDepth' | 'maxQueryCost' | 'rateLimitPerSecond' | 'rateLimitBurst'>;
  /** `__schema`/`__type` answered (off by default in production). */
  introspection: boolean;
  /** Strip "Did you mean …?" from validation messages (production): they reveal the schema field by field. */
  hideSuggestions: boolean;
  exposeStackTraces: boolean;
  logger: ErrorLogger;
}

export interface OperationToCheck {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

export interface GraphQLPolicy {
  readonly introspection: boolean;
  readonly hideSuggestions: boolean;
  readonly limits: GraphQLPolicyOptions['limits'];
  /** Per-client token bucket (rate-limit.ts), shared by the transports. */
  readonly limiter: TokenBucketLimiter;
  /** The one error formatter: DomainError → its code, client-safe codes kept, everything else masked and logged. */
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Validation rules beyond graphql-js's specified rules (what a transport must add itself). */
  readonly extraValidationRules: readonly ValidationRule[];
  /** Depth and estimated cost; throws QUERY_TOO_COMPLEX (or BAD_USER_INPUT for uncoercible variables). */
  checkOperationLimits(op: OperationToCheck): void;
  /** Charges `cost` tokens to the client; throws RATE_LIMITED when its bucket is short. */
  chargeRateLimit(clientId: string, cost: number): void;
  /** A validation message as this deployment shows it (suggestions removed when hidden). */
  clientMessage(message: string): string;
}

export function createGraphQLPolicy(opts: GraphQLPolicyOptions): GraphQLPolicy {
  const { limits } = opts;
  const depthRule = depthLimit(limits.maxQueryDepth);
  const limiter = new TokenBucketLimiter({ perSecond: limits.rateLimitPerSecond, burst: limits.rateLimitBurst });
  return {
    introspection: opts.introspection,
    hideSuggestions: opts.hideSuggestions,
    limits,
    limiter,
    formatError: createFormatError({ exposeStackTraces: opts.exposeStackTraces, logger: opts.logger }),
    extraValidationRules: opts.introspection ? [] : [NoSchemaIntrospectionCustomRule],
    checkOperationLimits(op) {
      const depthErrors = validate(op.schema, op.document, [depthRule]);
      if (depthErrors.length > 0) {
        throw tooComplex(`Query is too deep: ${depthErrors[0].message} (limit ${limits.maxQueryDepth}).`);
      }
      let cost: number;
      try {
        cost = getComplexity({
          schema: op.schema,
          query: op.document,
          operationName: op.operationName ?? undefined,
          variables: op.variables ?? {},
          estimators: [listSizeEstimator(), fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
        });
      } catch (e) {
        // getComplexity coerces the variables first: a value GraphQL cannot coerce (k = 2^31,
        // threshold 1e400 → Infinity) throws here, before the executor's own check would answer
        // BAD_USER_INPUT; thrown from a plugin it would otherwise become a 500.
        if (e instanceof GraphQLError) {
          throw new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } } });
        }
        throw e;
      }
      if (cost > limits.maxQueryCost) {
        throw tooComplex(`Query is too costly: estimated cost ${cost} exceeds the limit ${limits.maxQueryCost}.`);
      }
    },
    chargeRateLimit(clientId, cost) {
      const r = limiter.take(clientId, cost);
      if (!r.ok) throw rateLimitedError(r.retryAfterMs);
    },
    clientMessage(message) {
      // The same pattern as Apollo's ApolloServerPluginDisableSuggestions.
      return opts.hideSuggestions ? message.replace(/ ?Did you mean(.+?)\?$/, '') : message;
    },
  };
}

/** A list field's children cost `first` or `k` times (defaults as declared in the schema). */
function listSizeEstimator() {
  return (args: { args: Record<string, unknown>; childComplexity: number; field: { extensions?: { complexity?: unknown } } }) => {
    const size = typeof args.args.first === 'number' ? args.args.first : typeof args.args.k === 'number' ? args.args.k : undefined;
    if (size === undefined) return undefined;
    const own = typeof args.field.extensions?.complexity === 'number' ? (args.field.extensions.complexity as number) : 1;
    return own + Math.max(1, size) * args.childComplexity;
  };
}

function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, http: { status: 400 } } });
}
