/**
 * The access ladder (issue 13): each role may do everything the roles below it may.
 *
 *   none   — nothing but `viewer` (anonymous callers under SIAMESE_ANONYMOUS_ACCESS=none)
 *   search — verify / searchSimilar / detectFaces / model with images the caller sends
 *            (upload or base64); answers carry identity ids, not names (unless
 *            SIAMESE_SEARCH_NAMES), never metadata or hashes
 *   read   — also identity / identities, names, metadata, image hashes, imageId inputs, verifyIdentity
 *   enroll — also createIdentity / enrollImages / labelPair
 *   admin  — everything: deletes, retraining, model activation, API keys
 *
 * A ladder rather than a set of permissions: every deployment asked for so far fits it,
 * and "role X or more" is a check nobody can get subtly wrong.
 */
export const ROLES = ['none', 'search', 'read', 'enroll', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What anonymous callers may be given (SIAMESE_ANONYMOUS_ACCESS): never more than read. */
export const ANONYMOUS_ROLES = ['none', 'search', 'read'] as const;
export type AnonymousRole = (typeof ANONYMOUS_ROLES)[number];

/** Roles an API key may carry ('none' would be a key that opens nothing). */
export const API_KEY_ROLES = ['search', 'read', 'enroll', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

export function roleAtLeast(have: Role, need: Role): boolean {
  return roleRank(have) >= roleRank(need);
}

export function isApiKeyRole(s: string): s is ApiKeyRole {
  return (API_KEY_ROLES as readonly string[]).includes(s);
}

/** What each caller needs to see, beyond its operation: the fields and inputs the roles guard. */
export interface AccessSettings {
  /** The role of a caller that sends no credential. */
  readonly anonymous: AnonymousRole;
  /** Whether search-role callers see Identity.name (false: ids only). */
  readonly searchSeesNames: boolean;
}

/** Identity.name is readable from this role up. */
export function nameRole(settings: AccessSettings): Role {
  return settings.searchSeesNames ? 'search' : 'read';
}
