import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '../errors';

/**
 * Per-client rate limit on the expensive operations (each decodes and embeds
 * images, runs face detection, or starts training): a token bucket per client key — `burst`
 * tokens, refilled at `perSecond` — charged one token per expensive root
 * field of the operation (so 40 aliased `verify`s cost 40), plus one per MiB
 * of request body (the images it carries; `bytesPerToken`). Checked after the
 * operation is parsed and validated, before anything executes; refusals are
 * RATE_LIMITED with HTTP 429 and a Retry-After header.
 *
 * The client key is the TCP peer address (Express `req.ip`; behind a reverse
 * proxy every client shares the proxy's address unless Express's
 * `trust proxy` is set, which this server does not do by default).
 */
export const EXPENSIVE_FIELDS: ReadonlySet<string> = new Set([
  'verify',
  'verifyIdentity',
  'searchSimilar',
  'enrollImages',
  'detectFaces',
  'retrain',
]);

export interface RateLimitOptions {
  /** Tokens added per second; 0 turns the limit off. */
  perSecond: number;
  /** Bucket size: the most requests a quiet client may send at once. */
  burst: number;
  /** Injected clock (ms) for tests. */
  now?: () => number;
  /** Most client buckets kept; beyond it, full (idle) buckets are forgotten first. */
  maxClients?: number;
  /**
   * Request-body bytes per extra token (default 1 MiB; 0: fields only): an expensive
   * operation also pays for the images it carries, so a client sending 4 MB photos
   * empties its bucket ~5× faster than one sending thumbnails (issue 13).
   */
  bytesPerToken?: number;
}

export interface TakeResult {
  ok: boolean;
  /** When refused: how long until `cost` tokens are available. */
  retryAfterMs: number;
}

export const DEFAULT_BYTES_PER_TOKEN = 1024 * 1024;

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;
  private readonly maxClients: number;

  constructor(private readonly opts: RateLimitOptions) {
    this.now = opts.now ?? Date.now;
    this.maxClients = opts.maxClients ?? 10_000;
  }

  get enabled(): boolean {
    return this.opts.perSecond > 0;
  }

  /** Tokens an operation costs: one per expensive field, plus one per `bytesPerToken` of its request body. */
  costOf(expensiveFields: number, requestBytes: number | undefined): number {
    if (expensiveFields <= 0) return 0;
    const perToken = this.opts.bytesPerToken ?? DEFAULT_BYTES_PER_TOKEN;
    const byBytes = perToken > 0 && requestBytes && requestBytes > 0 ? Math.floor(requestBytes / perToken) : 0;
    return expensiveFields + byBytes;
  }

  take(key: string, cost = 1): TakeResult {
    if (!this.enabled || cost <= 0) return { ok: true, retryAfterMs: 0 };
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.opts.burst, at: t };
    b.tokens = Math.min(this.opts.burst, b.tokens + ((t - b.at) / 1000) * this.opts.perSecond);
    b.at = t;
    // Re-insert so Map order is least-recently-used first (for eviction).
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxClients) this.evict();
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return { ok: true, retryAfterMs: 0 };
    }
    // A single operation costing more than the burst can never pass: it is refused with the time to a full bucket.
    const missing = Math.min(cost, this.opts.burst) - b.tokens;
    return { ok: false, retryAfterMs: Math.ceil((missing / this.opts.perSecond) * 1000) };
  }

  private evict(): void {
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxClients) return;
      this.buckets.delete(key);
    }
  }
}

/** Expensive root fields of the operation that will run (aliases and root fragments counted). */
export function expensiveFieldCount(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  fields: ReadonlySet<string> = EXPENSIVE_FIELDS,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const visited = new Set<string>();
  const count = (set: SelectionSetNode): number => {
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += fields.has(s.name.value) ? 1 : 0;
      else if (s.kind === Kind.INLINE_FRAGMENT) n += count(s.selectionSet);
      else {
        const f = fragments.get(s.name.value);
        // graphql-js validation already refuses fragment cycles; the guard only bounds the walk.
        if (f && !visited.has(f.name.value)) {
          visited.add(f.name.value);
          n += count(f.selectionSet);
          visited.delete(f.name.value);
        }
      }
    }
    return n;
  };
  return count(operation.selectionSet);
}

export function rateLimitPlugin<C extends { clientId?: string }>(limiter: TokenBucketLimiter): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      if (!limiter.enabled) return;
      return {
        async didResolveOperation({ document, operation, contextValue, request }) {
          if (!operation) return;
          // Content-Length: the whole body (base64 images inside JSON, or multipart files); absent when chunked.
          const length = Number(request.http?.headers.get('content-length'));
          const cost = limiter.costOf(expensiveFieldCount(document, operation), Number.isFinite(length) ? length : undefined);
          if (cost === 0) return;
          const r = limiter.take(contextValue.clientId ?? 'unknown', cost);
          if (r.ok) return;
          throw rateLimitedError(r.retryAfterMs);
        },
      };
    },
  };
}

/** RATE_LIMITED with the wait in seconds; over HTTP also status 429 and a Retry-After header. */
export function rateLimitedError(retryAfterMs: number): GraphQLError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  // Apollo reads extensions.http.headers as a Map (the graphql typings say Record).
  const extensions: Record<string, unknown> = {
    code: ErrorCode.RATE_LIMITED,
    retryAfterSeconds,
    http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
  };
  return new GraphQLError(`Too many expensive requests from this client: retry in ${retryAfterSeconds} s.`, { extensions });
}
