import {
  assertFieldRole,
  assertImageIdAllowed,
  assertRole,
  constantTimeEquals,
  identifyCaller,
  parseBearer,
  type CallerSettings,
} from '../../src/server/auth';
import { ErrorCode } from '../../src/errors';
import type { KeyCheck } from '../../src/services/access';

const settings = (adminToken: string | undefined, anonymous: 'none' | 'search' | 'read' = 'search'): CallerSettings => ({
  adminToken,
  access: { anonymous, searchSeesNames: false },
});
/** A key check that knows one key, of role read. */
const KNOWN = 'sk_' + 'A'.repeat(43);
const keys = {
  authenticate: async (k: string): Promise<KeyCheck> =>
    k === KNOWN ? { ok: true, key: { id: 'k1', name: 'app', role: 'read' } } : { ok: false, reason: 'unknown' },
};
const code = (fn: () => void) => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
};

describe('admin token and API key auth', () => {
  it('refuses a non-key bearer when no admin token is configured, with ADMIN_DISABLED', async () => {
    const c = await identifyCaller('Bearer anything', settings(undefined), keys);
    expect(code(() => assertRole(c, 'admin'))).toBe(ErrorCode.ADMIN_DISABLED);
    // ...on every operation: a refused credential is not downgraded to anonymous.
    expect(code(() => assertRole(c, 'search'))).toBe(ErrorCode.ADMIN_DISABLED);
  });

  it('refuses a missing or wrong token with UNAUTHENTICATED', async () => {
    expect(code(() => assertRole({ role: 'search', authenticated: false, apiKeyId: null, refusal: null }, 'admin'))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    for (const header of ['Bearer secreT', 'Basic secret', 'Bearer sk_' + 'B'.repeat(43), 'Bearer sk_short']) {
      const c = await identifyCaller(header, settings('secret'), keys);
      expect(code(() => assertRole(c, 'search'))).toBe(ErrorCode.UNAUTHENTICATED);
    }
  });

  it('accepts the right token as admin, and an API key with its role', async () => {
    for (const header of ['Bearer secret', 'bearer   secret ']) {
      const c = await identifyCaller(header, settings('secret'), keys);
      expect(c).toMatchObject({ role: 'admin', authenticated: true });
      expect(code(() => assertRole(c, 'admin'))).toBe('no error');
    }
    const k = await identifyCaller(`Bearer ${KNOWN}`, settings('secret'), keys);
    expect(k).toMatchObject({ role: 'read', authenticated: true, apiKeyId: 'k1' });
    expect(code(() => assertRole(k, 'read'))).toBe('no error');
    // Authenticated but too weak: FORBIDDEN, not UNAUTHENTICATED.
    expect(code(() => assertRole(k, 'enroll'))).toBe(ErrorCode.FORBIDDEN);
  });

  it('gives anonymous callers the configured role; fields and imageId inputs answer FORBIDDEN', async () => {
    const anon = await identifyCaller(undefined, settings('secret', 'search'), keys);
    expect(anon).toEqual({ role: 'search', authenticated: false, apiKeyId: null, refusal: null });
    expect(code(() => assertRole(anon, 'search'))).toBe('no error');
    expect(code(() => assertRole(anon, 'read'))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(code(() => assertFieldRole(anon, 'read', 'Identity.metadata'))).toBe(ErrorCode.FORBIDDEN);
    expect(code(() => assertImageIdAllowed(anon, 'a'))).toBe(ErrorCode.FORBIDDEN);
    const none = await identifyCaller(undefined, settings('secret', 'none'), keys);
    expect(code(() => assertRole(none, 'search'))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(code(() => assertRole(none, 'none'))).toBe('no error');
  });

  it('reports a storage failure during the key check as that failure, not as a bad key', async () => {
    const broken = { authenticate: async (): Promise<KeyCheck> => Promise.reject(new Error('database is down')) };
    const c = await identifyCaller(`Bearer ${KNOWN}`, settings('secret'), broken);
    expect(() => assertRole(c, 'search')).toThrow('database is down');
  });

  it('compares strings of different lengths without throwing', () => {
    expect(constantTimeEquals('a', 'a-much-longer-string')).toBe(false);
    expect(constantTimeEquals('same', 'same')).toBe(true);
    expect(parseBearer('Bearer a b')).toBeUndefined();
  });
});
