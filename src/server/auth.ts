import { createHash, timingSafeEqual } from 'crypto';
import { DomainError, ErrorCode } from '../errors';

/**
 * Admin check for `Authorization: Bearer <token>`. Both sides are hashed
 * first so the comparison is constant-time regardless of the lengths
 * (timingSafeEqual needs equal-length inputs; comparing lengths would leak).
 */
export function assertAdmin(authorizationHeader: string | undefined, adminToken: string | undefined): void {
  if (adminToken === undefined) {
    throw new DomainError(
      ErrorCode.ADMIN_DISABLED,
      'Admin operations are disabled on this server: set SIAMESE_ADMIN_TOKEN and restart to enable them.',
    );
  }
  const presented = parseBearer(authorizationHeader);
  if (presented === undefined) {
    throw new DomainError(ErrorCode.UNAUTHENTICATED, 'This operation needs an admin token: send "Authorization: Bearer <token>".');
  }
  if (!constantTimeEquals(presented, adminToken)) {
    throw new DomainError(ErrorCode.UNAUTHENTICATED, 'The admin token is not valid.');
  }
}

export function parseBearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

export function constantTimeEquals(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
