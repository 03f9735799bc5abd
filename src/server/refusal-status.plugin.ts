import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../errors';

/**
 * A request answered only with "come back later" refusals gets the HTTP status that says so
 * (issue 13): SERVER_BUSY (the image-decoding queue is full; a service throws it from inside a
 * resolver, which Apollo answers 200) becomes 503, RATE_LIMITED 429, both with a Retry-After
 * header from the errors' own hints. Load balancers, proxies and HTTP client libraries act on
 * these statuses (retry elsewhere, back off) without reading GraphQL bodies.
 *
 * Only when the answer carries no data: an operation whose other fields succeeded is a
 * partial success and stays 200, as GraphQL-over-HTTP expects.
 */
export interface RefusalStatus {
  status: 503 | 429;
  retryAfterSeconds: number;
}

const RETRY_LATER_CODES: ReadonlySet<string> = new Set([ErrorCode.SERVER_BUSY, ErrorCode.RATE_LIMITED]);

export function refusalStatus(result: {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}): RefusalStatus | undefined {
  const errors = result.errors ?? [];
  if (errors.length === 0) return undefined;
  if (result.data && Object.values(result.data).some((v) => v !== null)) return undefined;
  const codes = errors.map((e) => e.extensions?.code);
  if (!codes.every((c) => typeof c === 'string' && RETRY_LATER_CODES.has(c))) return undefined;
  let retryAfterSeconds = 1;
  for (const e of errors) {
    const ext = e.extensions ?? {};
    const ms =
      typeof ext.retryAfterMs === 'number'
        ? ext.retryAfterMs
        : typeof ext.retryAfterSeconds === 'number'
          ? ext.retryAfterSeconds * 1000
          : 0;
    retryAfterSeconds = Math.max(retryAfterSeconds, Math.ceil(ms / 1000));
  }
  // Busy wins over rate-limited: the server, not this client, is the reason to wait.
  return { status: codes.includes(ErrorCode.SERVER_BUSY) ? 503 : 429, retryAfterSeconds };
}

export function refusalStatusPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const refusal = refusalStatus(response.body.singleResult);
          if (!refusal) return;
          response.http.status = refusal.status;
          response.http.headers.set('retry-after', String(refusal.retryAfterSeconds));
        },
      };
    },
  };
}
