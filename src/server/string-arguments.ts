import { defaultFieldResolver, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { badInput } from '../errors';

/**
 * Every string that reaches a resolver must be well-formed UTF-16. JSON lets a
 * client send a lone surrogate ("\ud800"), GraphQL's String and ID accept it,
 * and the first component that must encode it as UTF-8 (Prisma's query engine,
 * a log line, the index sidecar) fails: before this guard, `identity(id:
 * "\ud800")` answered INTERNAL_SERVER_ERROR to anyone.
 *
 * One place: each field that takes arguments has its resolver (and, for
 * subscriptions, its subscribe function) wrapped, so literals, variables,
 * HTTP and WebSocket all pass the same check, after GraphQL coerced the
 * arguments and before type-graphql's validation or any service runs.
 * Everything inside an argument is walked: input objects, lists, JSON scalars
 * (metadata keys and values). The walk keeps its own stack, so a 10,000-deep
 * JSON value cannot overflow it. Uploads (promises) are skipped: their bytes are
 * an image, not text. Fields without arguments are not wrapped (no cost on
 * the fields of large answers).
 *
 * Refused with BAD_USER_INPUT, `argument` naming the field argument and
 * `path` the place inside it (e.g. metadata.notes, images[1].imageId).
 */
export function guardStringArguments(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      field.resolve = checked(field.resolve ?? defaultFieldResolver);
      if (field.subscribe) field.subscribe = checked(field.subscribe);
    }
  }
  return schema;
}

function checked<S, C>(inner: GraphQLFieldResolver<S, C>): GraphQLFieldResolver<S, C> {
  return (source, args, context, info) => {
    assertWellFormedArguments(args as Record<string, unknown>);
    return inner(source, args, context, info);
  };
}

const LONE_SURROGATE = /\p{Cs}/u;
const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: () => boolean }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !LONE_SURROGATE.test(s);

/** Throws BAD_USER_INPUT at the first ill-formed string (value or object key) in `args`. */
export function assertWellFormedArguments(args: Record<string, unknown>): void {
  const bad = findIllFormedString(args);
  if (bad) {
    const argument = bad.path.split(/[.[]/, 1)[0];
    // Keys come from the client: a path through a deep value is cut short in the answer.
    const path = bad.path.length > 200 ? `${bad.path.slice(0, 200)}…` : bad.path;
    throw badInput(`${path}: ${bad.key ? 'a key' : 'the text'} is not well-formed Unicode (it holds a lone UTF-16 surrogate)`, {
      argument,
      path,
    });
  }
}

/**
 * The path of the first ill-formed string, and whether it is an object key; null when all
 * are well-formed. Paths are built only for the culprit (from parent links): building
 * one per node would cost O(depth²) memory on a deeply nested value.
 */
export function findIllFormedString(root: Record<string, unknown>): { path: string; key: boolean } | null {
  interface Node {
    value: unknown;
    segment: string;
    parent: Node | null;
  }
  const pathOf = (n: Node): string => {
    const parts: string[] = [];
    for (let at: Node | null = n; at; at = at.parent) parts.push(at.segment);
    return parts.reverse().join('');
  };
  const stack: Node[] = Object.entries(root).map(([k, v]) => ({ value: v, segment: k, parent: null }));
  while (stack.length > 0) {
    const node = stack.pop()!;
    const { value } = node;
    if (typeof value === 'string') {
      if (!isWellFormed(value)) return { path: pathOf(node), key: false };
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], segment: `[${i}]`, parent: node });
    } else if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (!isWellFormed(k)) return { path: pathOf(node), key: true };
        stack.push({ value: v, segment: `.${k}`, parent: node });
      }
    }
  }
  return null;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
