import { GraphQLError, validate, type GraphQLSchema } from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '../errors';

/**
 * Refuses operations that are too deep or too costly before they execute.
 * Depth: graphql-depth-limit. Cost: graphql-query-complexity with each
 * field's `complexity` (type-graphql @Field option) or 1, multiplied through
 * lists by their size arguments (`first`, `k`) so aliases and wide pages add up.
 */
export function operationLimitsPlugin(opts: { maxDepth: number; maxCost: number }): ApolloServerPlugin {
  const depthRule = depthLimit(opts.maxDepth);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          const depthErrors = validate(schema, document, [depthRule]);
          if (depthErrors.length > 0) {
            throw tooComplex(`Query is too deep: ${depthErrors[0].message} (limit ${opts.maxDepth}).`);
          }
          let cost: number;
          try {
            cost = getComplexity({
              schema: schema as GraphQLSchema,
              query: document,
              operationName: request.operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [listSizeEstimator(), fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (e) {
            // getComplexity coerces the variables first: a value GraphQL cannot coerce (k = 2^31,
            // threshold 1e400 → Infinity) throws here, before Apollo's own check would answer
            // BAD_USER_INPUT; thrown from a plugin it would otherwise become a 500.
            if (e instanceof GraphQLError) {
              throw new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } } });
            }
            throw e;
          }
          if (cost > opts.maxCost) {
            throw tooComplex(`Query is too costly: estimated cost ${cost} exceeds the limit ${opts.maxCost}.`);
          }
        },
      };
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
