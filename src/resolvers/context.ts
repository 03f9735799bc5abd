import type { Services } from '../services';
import type { Role } from '../services/access';
import type { FieldAudience } from '../schema/field-access';

/** Per-operation context built by src/server/request-context.ts (HTTP request or WebSocket operation). */
export interface GraphQLContext {
  services: Services;
  /** The caller's role (README "Access model"); an anonymous caller's comes from SIAMESE_ANONYMOUS_ACCESS. */
  role: Role;
  /** A valid credential (admin token or API key) was presented. */
  authenticated: boolean;
  /** The API key's id when the caller used one. */
  apiKeyId: string | null;
  /**
   * Throws unless the caller has `role` or more: UNAUTHENTICATED without a credential,
   * FORBIDDEN with one too weak, and the credential's own refusal (revoked key, wrong token,
   * ADMIN_DISABLED) whatever the role asked for.
   */
  require(role: Role): void;
  /** require('admin'), kept for the resolvers written before roles existed. */
  requireAdmin(): void;
  /** Field-level check run by the @Restricted decorator (src/schema/field-access.ts). */
  requireField(audience: FieldAudience, field: string): void;
  /** Refuses `{ imageId }` image inputs below role read (FORBIDDEN naming the argument). */
  requireImageIdAllowed(argument: string): void;
  /** Whether this caller may read `audience` fields (for answers that omit rather than refuse). */
  canRead(audience: FieldAudience): boolean;
  /** Who is asking, for per-client limits (the TCP peer address over HTTP). */
  clientId?: string;
}
