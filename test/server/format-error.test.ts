import { GraphQLError } from 'graphql';
import { createFormatError } from '../../src/server/format-error';
import { DomainError, ErrorCode } from '../../src/errors';

describe('formatError', () => {
  const logged: string[] = [];
  const logger = { error: (m: string, meta?: Record<string, unknown>) => logged.push(`${m} ${String(meta?.message)}`) };
  const fmt = createFormatError({ exposeStackTraces: false, logger });
  const asResolverError = (original: Error) => new GraphQLError(original.message, { path: ['verify'], originalError: original });

  beforeEach(() => (logged.length = 0));

  it('maps a DomainError to its code and keeps its message and primitive details', () => {
    const e = asResolverError(new DomainError(ErrorCode.INVALID_IMAGE, 'a: not an image', { argument: 'a', nested: { x: 1 } }));
    const out = fmt({ message: e.message, path: ['verify'] }, e);
    expect(out).toEqual({
      message: 'a: not an image',
      path: ['verify'],
      locations: undefined,
      extensions: { code: 'INVALID_IMAGE', argument: 'a' },
    });
    expect(logged).toEqual([]);
  });

  it('masks unexpected errors and logs them', () => {
    const e = asResolverError(new TypeError('cannot read properties of undefined (secret detail)'));
    const out = fmt({ message: e.message, extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['x'] } }, e);
    expect(out.message).toBe('Internal server error');
    expect(out.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('secret detail');
  });

  it('keeps graphql-js validation errors and strips stack traces', () => {
    const e = new GraphQLError('Cannot query field "nope" on type "Query".');
    const out = fmt({ message: e.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['at x'] } }, e);
    expect(out).toEqual({ message: e.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it('keeps deliberate GraphQLErrors with a known code but strips echoed input values', () => {
    const original = new GraphQLError('Argument Validation Error', {
      extensions: {
        code: 'BAD_USER_INPUT',
        validationErrors: [{ property: 'name', value: 'x'.repeat(10), target: {}, constraints: { isLength: 'too long' } }],
      },
    });
    const e = asResolverError(original);
    const out = fmt({ message: original.message, extensions: original.extensions }, e);
    expect(out.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      validationErrors: [{ property: 'name', constraints: { isLength: 'too long' } }],
    });
  });

  it('masks code-less GraphQL errors (server bugs such as null in a non-null field)', () => {
    const e = new GraphQLError('Cannot return null for non-nullable field Query.model.');
    const out = fmt({ message: e.message }, e);
    expect(out.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  });
});
