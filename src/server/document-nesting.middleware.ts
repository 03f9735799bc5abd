import type { RequestHandler } from 'express';
import { GraphQLError } from 'graphql';
import type { GraphQLPolicy } from './graphql-policy';

/**
 * Runs the policy's bracket-nesting check (graphql-policy.ts) on the GraphQL documents of an
 * HTTP request, after the body parsers and before Apollo parses them: Apollo offers no hook
 * between receiving a document and its recursive parse whose error is not a 500. A document
 * nested too deep is answered 400 GRAPHQL_PARSE_FAILED, in the shape Apollo uses for syntax errors.
 */
export function documentNestingGuard(policy: Pick<GraphQLPolicy, 'checkDocumentNesting'>): RequestHandler {
  return (req, res, next) => {
    try {
      for (const source of documentsOf(req.method === 'GET' ? req.query : req.body)) policy.checkDocumentNesting(source);
    } catch (e) {
      if (!(e instanceof GraphQLError)) return next(e);
      const { http: _http, ...extensions } = e.extensions as Record<string, unknown>;
      res.status(400).json({ errors: [{ message: e.message, extensions }] });
      return;
    }
    next();
  };
}

/** The `query` strings of a request: one operation, or each of a batch (the batch limit ran before). */
function documentsOf(body: unknown): string[] {
  const ops = Array.isArray(body) ? body : [body];
  const out: string[] = [];
  for (const op of ops) {
    const query = op !== null && typeof op === 'object' ? (op as { query?: unknown }).query : undefined;
    if (typeof query === 'string') out.push(query);
  }
  return out;
}
