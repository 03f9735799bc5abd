import type { Services } from '../services';

/** Per-request context built by src/server (one per HTTP request). */
export interface GraphQLContext {
  services: Services;
  /** Throws UNAUTHENTICATED / ADMIN_DISABLED unless the request carries the admin token. */
  requireAdmin(): void;
  /** Who is asking, for per-client limits (the TCP peer address over HTTP). */
  clientId?: string;
}
