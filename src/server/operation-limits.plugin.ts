import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { GraphQLPolicy } from './graphql-policy';

/**
 * Refuses operations that are too deep or too costly before they execute, on
 * the HTTP path. The rules themselves live in graphql-policy.ts (the WebSocket
 * path applies the same ones): depth by graphql-depth-limit, cost by
 * graphql-query-complexity with each field's `complexity` (type-graphql @Field
 * option) or 1, multiplied through lists by their size arguments (`first`, `k`)
 * so aliases and wide pages add up.
 */
export function operationLimitsPlugin(policy: Pick<GraphQLPolicy, 'checkOperationLimits'>): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          policy.checkOperationLimits({
            schema: schema as GraphQLSchema,
            document,
            operationName: request.operationName,
            variables: request.variables,
          });
        },
      };
    },
  };
}
