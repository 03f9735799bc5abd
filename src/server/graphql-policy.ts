import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { Limits } from '../config';
import { ErrorCode } from '../errors';
import { createFormatError, type ErrorLogger } from './format-error';
import { DEFAULT_BYTES_PER_TOKEN, TokenBucketLimiter, rateLimitedError } from './rate-limit';

/** Default `maxTokens` of a document over HTTP (SIAMESE_MAX_QUERY_TOKENS): 200 aliased searches are ~3,600. */
export const DEFAULT_MAX_QUERY_TOKENS = 10_000;
/**
 * Deepest bracket nesting ({ [ ( together) of a document: far above any real query (selection
 * depth is capped at SIAMESE_MAX_QUERY_DEPTH ≤ 100, metadata at 16 levels), far below where
 * graphql-js's recursive parser overflows the stack (measured: a list literal between 2,000 and
 * 3,000 levels, an object literal between 1,000 and 2,000, on Node 20's default stack).
 */
export const MAX_DOCUMENT_NESTING = 256;

/**
 * The rules every GraphQL transport applies, in one place (issue 13): the HTTP
 * path (Apollo plugins, http-app.ts) and the WebSocket path (graphql-ws hooks,
 * graphql-ws.ts) both take them from one `GraphQLPolicy`, so a protection added
 * here cannot be forgotten on one door. One policy per server: its token bucket
 * is shared, so a client has one budget whichever transport it uses.
 */
export interface GraphQLPolicyOptions {
  limits: Pick<Limits, 'maxQueryDepth' | 'maxQueryCost' | 'rateLimitPerSecond' | 'rateLimitBurst'> &
    Partial<Pick<Limits, 'rateLimitBytesPerToken' | 'maxQueryTokens'>>;
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
  /** What Apollo's parser takes (`maxTokens`): a document over it is GRAPHQL_PARSE_FAILED before it is built. */
  readonly parseOptions: ParseOptions;
  /**
   * Refuses (GRAPHQL_PARSE_FAILED, HTTP 400) a document whose brackets nest deeper than
   * MAX_DOCUMENT_NESTING, before graphql-js's recursive parser meets it: a 10,000-deep literal
   * would otherwise overflow the stack ("Maximum call stack size exceeded"). maxTokens alone
   * cannot prevent it: a 2,000-deep list literal already overflows, below any useful token cap.
   */
  checkDocumentNesting(source: string): void;
  /** checkDocumentNesting, then graphql-js's parse with this policy's token cap (or a lower one). */
  parse(source: string, opts?: { maxTokens?: number }): DocumentNode;
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
  const limiter = new TokenBucketLimiter({
    perSecond: limits.rateLimitPerSecond,
    burst: limits.rateLimitBurst,
    bytesPerToken: limits.rateLimitBytesPerToken ?? DEFAULT_BYTES_PER_TOKEN,
  });
  const maxTokens = limits.maxQueryTokens ?? DEFAULT_MAX_QUERY_TOKENS;
  const checkDocumentNesting = (source: string) => {
    const depth = documentNesting(source, MAX_DOCUMENT_NESTING);
    if (depth > MAX_DOCUMENT_NESTING) {
      throw new GraphQLError(`Syntax Error: Document nests brackets more than ${MAX_DOCUMENT_NESTING} levels deep. Parsing aborted.`, {
        extensions: { code: 'GRAPHQL_PARSE_FAILED', maxNesting: MAX_DOCUMENT_NESTING, http: { status: 400 } },
      });
    }
  };
  return {
    introspection: opts.introspection,
    hideSuggestions: opts.hideSuggestions,
    limits,
    limiter,
    parseOptions: { maxTokens },
    checkDocumentNesting,
    parse(source, parseOpts) {
      checkDocumentNesting(source);
      return parse(source, { maxTokens: Math.min(maxTokens, parseOpts?.maxTokens ?? maxTokens) });
    },
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

/**
 * The deepest nesting of `{`, `[` and `(` in a GraphQL document, outside strings, block
 * strings and comments; stops counting once past `limit`. Linear, no recursion: strings
 * (base64 images sent inline) are skipped with indexOf. An unbalanced document is left to the parser.
 */
export function documentNesting(source: string, limit = Infinity): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x7b || c === 0x5b || c === 0x28) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x7d || c === 0x5d || c === 0x29) {
      if (depth > 0) depth--;
    } else if (c === 0x23) {
      // # comment, to the end of the line
      while (i + 1 < source.length && source.charCodeAt(i + 1) !== 0x0a && source.charCodeAt(i + 1) !== 0x0d) i++;
    } else if (c === 0x22) {
      if (source.startsWith('"""', i)) {
        // Block string: ends at the next """ not escaped as \"""
        let end = source.indexOf('"""', i + 3);
        while (end > 0 && source.charCodeAt(end - 1) === 0x5c) end = source.indexOf('"""', end + 3);
        if (end < 0) break;
        i = end + 2;
      } else {
        // String: ends at the next " preceded by an even number of backslashes. An unterminated one is
        // a syntax error the parser meets before anything this skip passed over.
        let end = source.indexOf('"', i + 1);
        while (end > 0 && precedingBackslashes(source, end) % 2 === 1) end = source.indexOf('"', end + 1);
        if (end < 0) break;
        i = end;
      }
    }
  }
  return deepest;
}

function precedingBackslashes(source: string, at: number): number {
  let n = 0;
  while (at - 1 - n >= 0 && source.charCodeAt(at - 1 - n) === 0x5c) n++;
  return n;
}
