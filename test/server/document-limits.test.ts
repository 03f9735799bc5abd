import { GraphQLError } from 'graphql';
import { MAX_DOCUMENT_NESTING, createGraphQLPolicy, documentNesting } from '../../src/server/graphql-policy';

/**
 * Issue 13 (round 2): a GraphQL document is refused with a coded parse error, before
 * graphql-js's recursive parser, when its brackets nest deeper than MAX_DOCUMENT_NESTING
 * (a 10,000-deep literal used to answer "Maximum call stack size exceeded"), and over the
 * token cap (graphql-js maxTokens, SIAMESE_MAX_QUERY_TOKENS).
 */
const policy = (maxQueryTokens?: number) =>
  createGraphQLPolicy({
    limits: {
      maxQueryDepth: 8,
      maxQueryCost: 5000,
      rateLimitPerSecond: 0,
      rateLimitBurst: 1,
      ...(maxQueryTokens ? { maxQueryTokens } : {}),
    },
    introspection: false,
    hideSuggestions: true,
    exposeStackTraces: false,
    logger: { error: () => undefined },
  });

function refusal(f: () => unknown): GraphQLError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GraphQLError);
    return e as GraphQLError;
  }
  throw new Error('expected a refusal');
}

describe('documentNesting', () => {
  test('counts { [ ( together, by hand', () => {
    expect(documentNesting('')).toBe(0);
    expect(documentNesting('{ a }')).toBe(1);
    expect(documentNesting('{ a(x: [1, {b: 2}]) { c } }')).toBe(4); // { ( [ {
    expect(documentNesting('{ a } { b { c } }')).toBe(2);
  });

  test('ignores brackets inside strings, block strings (with escaped quotes) and comments', () => {
    expect(documentNesting('{ a(s: "[[[{{{((( \\" [[[") }')).toBe(2);
    // "\\" is one escaped backslash: the string ends at its second quote, so "[[[" is a string too (misread: 5).
    expect(documentNesting('{ a(s: "\\\\", t: "[[[") }')).toBe(2);
    expect(documentNesting('{ a(s: """ [[[ \\""" {{{ """) }')).toBe(2);
    expect(documentNesting('# {{{{{{\n{ a } # [[[[\n')).toBe(1);
    const base64 = 'QUJD'.repeat(100_000);
    expect(documentNesting(`{ verify(a: { base64: "${base64}" }) { match } }`)).toBe(3);
  });

  test('stops counting past the limit', () => {
    expect(documentNesting('['.repeat(1000), 10)).toBe(11);
  });
});

describe('GraphQLPolicy.parse', () => {
  test('a 10,000-deep list, object or selection is GRAPHQL_PARSE_FAILED naming the limit, not a stack overflow', () => {
    const p = policy();
    for (const doc of [
      `{ verify(a: ${'['.repeat(10_000)}1${']'.repeat(10_000)}) { match } }`,
      `{ verify(a: ${'{a:'.repeat(10_000)}1${'}'.repeat(10_000)}) { match } }`,
      `{ ${'a {'.repeat(10_000)} b ${'}'.repeat(10_000)} }`,
    ]) {
      const e = refusal(() => p.parse(doc));
      expect(e.extensions).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED', maxNesting: MAX_DOCUMENT_NESTING });
      expect(e.message).toMatch(/nests brackets more than 256 levels/);
      expect(e.message).not.toMatch(/call stack/);
    }
  });

  test('nesting up to the limit parses (256 levels: 1 for the selection set, 1 for the arguments, 254 of list)', () => {
    const doc = `{ verify(a: ${'['.repeat(MAX_DOCUMENT_NESTING - 2)}1${']'.repeat(MAX_DOCUMENT_NESTING - 2)}) { match } }`;
    expect(documentNesting(doc)).toBe(MAX_DOCUMENT_NESTING);
    expect(policy().parse(doc).kind).toBe('Document');
    const over = `{ verify(a: ${'['.repeat(MAX_DOCUMENT_NESTING - 1)}1${']'.repeat(MAX_DOCUMENT_NESTING - 1)}) { match } }`;
    expect(refusal(() => policy().parse(over)).extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  // graphql-js 16 spells its message "more that N tokens".
  test('the token cap: the configured one over HTTP (parseOptions), a lower one on request (the WebSocket door)', () => {
    expect(policy().parseOptions).toEqual({ maxTokens: 10_000 });
    expect(policy(500).parseOptions).toEqual({ maxTokens: 500 });
    // `{ a a a … }`: 2 braces + n names.
    const flat = (n: number) => `{ ${'a '.repeat(n)}}`;
    expect(policy(500).parse(flat(498)).kind).toBe('Document');
    expect(refusal(() => policy(500).parse(flat(499))).message).toMatch(/Document contains more tha[nt] 500 tokens/);
    expect(refusal(() => policy().parse(flat(2000), { maxTokens: 2000 })).message).toMatch(/more tha[nt] 2000 tokens/);
    // A lower cap on request never raises the configured one.
    expect(refusal(() => policy(500).parse(flat(600), { maxTokens: 2000 })).message).toMatch(/more tha[nt] 500 tokens/);
  });
});
