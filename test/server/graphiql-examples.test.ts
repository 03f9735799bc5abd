import { Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { buildGraphQLSchema } from '../../src/server/schema';
import { graphiqlHtml } from '../../src/server/graphiql';
import { tabsFromGraphiqlHtml } from './graphiql-tabs';

/**
 * Every GraphiQL example is valid against the schema the server builds (issue 14):
 * no syntax or validation error (unknown fields, a declared variable never used —
 * the old Enroll example declared $image and never used it —, missing arguments),
 * and each operation's variables coerce from its tab's variables, so running it
 * does not stop at "Variable "$image" of required type "String!" was not provided".
 * test/e2e/graphiql-examples.e2e.test.ts runs them.
 */
const PNG_BASE64_SIGNATURE = 'iVBORw0KGgo'; // base64 of the 8 PNG signature bytes

describe('GraphiQL examples', () => {
  const tabs = tabsFromGraphiqlHtml(graphiqlHtml('/graphql'));

  it('are in the page', () => {
    expect(tabs.length).toBeGreaterThanOrEqual(5);
  });

  it.each(tabs.map((t, i) => [i, t.query.match(/^(query|mutation) (\w+)/m)?.[2], t] as const))(
    'tab %i (%s): parses, validates against the built schema, and its variables fill every operation',
    async (_i, _name, tab) => {
      const schema = await buildGraphQLSchema();
      const document = parse(tab.query);
      expect(validate(schema, document).map((e) => e.message)).toEqual([]);
      const variables = tab.variables ? (JSON.parse(tab.variables) as Record<string, unknown>) : {};
      const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      expect(operations.length).toBeGreaterThanOrEqual(1);
      for (const op of operations) {
        expect(op.name?.value).toBeTruthy(); // a tab with several operations needs names to pick one
        const coerced = getVariableValues(schema, op.variableDefinitions ?? [], variables);
        expect({ operation: op.name?.value, errors: (coerced.errors ?? []).map((e) => e.message) }).toEqual({
          operation: op.name?.value,
          errors: [],
        });
      }
      // Image variables carry a real photo (PNG bytes), not a "<base64 image>" placeholder.
      for (const [name, value] of Object.entries(variables)) {
        // identityId: what CreateIdentity answers, which no page can know beforehand.
        if (name !== 'identityId') expect({ name, value: String(value).slice(0, 11) }).toEqual({ name, value: PNG_BASE64_SIGNATURE });
      }
      if (tab.headers) expect(Object.keys(JSON.parse(tab.headers))).toEqual(['Authorization']);
    },
  );
});
