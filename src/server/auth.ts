import { createHash, timingSafeEqual } from 'crypto';
import { DomainError, ErrorCode } from '../errors';
import { isApiKeyShaped, roleAtLeast, type AccessSettings, type ApiKeyService, type Role } from '../services/access';

/**
 * Who is calling (issue 13). `Authorization: Bearer <credential>` is either the admin token
 * (SIAMESE_ADMIN_TOKEN, role admin) or an API key (`sk_…`, the role it was created with); no
 * header means an anonymous caller with the role SIAMESE_ANONYMOUS_ACCESS gives.
 *
 * A credential that is presented but not accepted (wrong token, revoked key) is not quietly
 * downgraded to anonymous: every role check of that request fails with it, so an
 * application whose key was revoked learns it at once instead of getting emptier answers.
 */
export interface Caller {
  role: Role;
  /** A valid credential was presented. */
  authenticated: boolean;
  /** The API key's id when the caller used one. */
  apiKeyId: string | null;
  /**
   * Set when a credential was presented and refused: thrown by every check. A storage
   * failure while checking a key lands here too (reported as such, not as a bad key).
   */
  refusal: Error | null;
}

export interface CallerSettings {
  adminToken: string | undefined;
  access: AccessSettings;
}

export async function identifyCaller(
  authorization: string | undefined,
  settings: CallerSettings,
  apiKeys: Pick<ApiKeyService, 'authenticate'>,
): Promise<Caller> {
  const anonymous: Caller = { role: settings.access.anonymous, authenticated: false, apiKeyId: null, refusal: null };
  if (authorization === undefined || authorization.trim() === '') return anonymous;
  const refused = (refusal: Error): Caller => ({ ...anonymous, refusal });
  const presented = parseBearer(authorization);
  if (presented === undefined) {
    return refused(new DomainError(ErrorCode.UNAUTHENTICATED, 'The Authorization header must be "Bearer <API key or admin token>".'));
  }
  if (isApiKeyShaped(presented)) {
    let check: Awaited<ReturnType<ApiKeyService['authenticate']>>;
    try {
      check = await apiKeys.authenticate(presented);
    } catch (e) {
      return refused(e instanceof Error ? e : new Error(String(e)));
    }
    if (check.ok) return { role: check.key.role, authenticated: true, apiKeyId: check.key.id, refusal: null };
    return refused(
      new DomainError(
        ErrorCode.UNAUTHENTICATED,
        check.reason === 'revoked'
          ? 'This API key was revoked: ask an administrator for a new one.'
          : 'The API key is not valid (unknown or mistyped).',
      ),
    );
  }
  if (settings.adminToken === undefined) {
    return refused(
      new DomainError(
        ErrorCode.ADMIN_DISABLED,
        'Admin operations are disabled on this server: set SIAMESE_ADMIN_TOKEN and restart to enable them (or send an API key, "sk_…").',
      ),
    );
  }
  if (!constantTimeEquals(presented, settings.adminToken)) {
    return refused(new DomainError(ErrorCode.UNAUTHENTICATED, 'The admin token is not valid.'));
  }
  return { role: 'admin', authenticated: true, apiKeyId: null, refusal: null };
}

/**
 * Operation-level check. Refused without a credential: UNAUTHENTICATED (a credential could
 * help); refused with one: FORBIDDEN (this credential's role is too low).
 */
export function assertRole(caller: Caller, need: Role): void {
  if (caller.refusal) throw caller.refusal;
  if (roleAtLeast(caller.role, need)) return;
  const details = { requiredRole: need, role: caller.role };
  if (!caller.authenticated) {
    throw new DomainError(
      ErrorCode.UNAUTHENTICATED,
      `This operation needs role ${need}; anonymous callers have role ${caller.role} on this server (SIAMESE_ANONYMOUS_ACCESS). Send "Authorization: Bearer <API key or admin token>".`,
      details,
    );
  }
  throw new DomainError(ErrorCode.FORBIDDEN, `This operation needs role ${need}; this credential has role ${caller.role}.`, details);
}

/**
 * Field-level check (`field` like "Identity.metadata"): the operation was allowed, one part of
 * its answer is not. FORBIDDEN at the field's path, for anonymous callers too: the field is
 * refused loudly rather than answered null, so "hidden" never reads as "empty".
 */
export function assertFieldRole(caller: Caller, need: Role, field: string): void {
  if (caller.refusal) throw caller.refusal;
  if (roleAtLeast(caller.role, need)) return;
  throw new DomainError(
    ErrorCode.FORBIDDEN,
    `${field} needs role ${need} (this caller has role ${caller.role}): leave it out of the selection, or send an API key with role ${need}.`,
    { field, requiredRole: need, role: caller.role },
  );
}

/**
 * Argument-level check for `{ imageId }` image inputs: comparing against an enrolled image by
 * id is a 1:1 oracle on someone else's photo, so it needs role read. Checked before any
 * lookup, so the answer does not depend on whether the id exists. FORBIDDEN naming the argument.
 */
export function assertImageIdAllowed(caller: Caller, argument: string): void {
  if (caller.refusal) throw caller.refusal;
  if (roleAtLeast(caller.role, 'read')) return;
  throw new DomainError(
    ErrorCode.FORBIDDEN,
    `${argument}: imageId inputs need role read (this caller has role ${caller.role}); send the image itself as upload or base64.`,
    { argument, requiredRole: 'read', role: caller.role },
  );
}

export function parseBearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

/**
 * Both sides are hashed first so the comparison is constant-time regardless of the lengths
 * (timingSafeEqual needs equal-length inputs; comparing lengths would leak).
 */
export function constantTimeEquals(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
