// type-graphql's decorators need the Reflect metadata polyfill before any schema class loads.
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { printSchema, lexicographicSortSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { resolvers } from '../resolvers';
import { guardStringArguments } from './string-arguments';

/**
 * The GraphQL schema from the type-graphql classes, with class-validator
 * validation on for every input. Built once per process (type-graphql
 * metadata is global).
 */
let cached: Promise<GraphQLSchema> | undefined;

export function buildGraphQLSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers,
    // type-graphql insists on a pubSub once any @Subscription exists; ours (trainingProgress)
    // bring their own `subscribe`, so this one is never used.
    pubSub: {
      publish: () => undefined,
      subscribe: () => {
        throw new Error('no topic-based subscriptions');
      },
    },
    // forbidUnknownValues would reject graphql-upload's Upload promise inside ImageInput.
    validate: { forbidUnknownValues: false, validationError: { target: false, value: false } },
  }).then(guardStringArguments);
  return cached;
}

/** The SDL committed as schema.graphql: sorted, so the file only changes when the API does. */
export function schemaToSdl(schema: GraphQLSchema): string {
  return (
    '# Emitted by `npx siamese emit-schema` from the type-graphql classes in src/schema and src/resolvers.\n' +
    '# Do not edit: test/server/schema-file.test.ts fails when this file and the code disagree.\n\n' +
    printSchema(lexicographicSortSchema(schema)) +
    '\n'
  );
}
