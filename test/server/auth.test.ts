import { assertAdmin, constantTimeEquals, parseBearer } from '../../src/server/auth';
import { ErrorCode } from '../../src/errors';

describe('admin auth', () => {
  it('refuses everything when no token is configured, with ADMIN_DISABLED', () => {
    expect(() => assertAdmin('Bearer anything', undefined)).toThrow(expect.objectContaining({ code: ErrorCode.ADMIN_DISABLED }));
  });
  it('refuses a missing or wrong token with UNAUTHENTICATED', () => {
    expect(() => assertAdmin(undefined, 'secret')).toThrow(expect.objectContaining({ code: ErrorCode.UNAUTHENTICATED }));
    expect(() => assertAdmin('Bearer secreT', 'secret')).toThrow(expect.objectContaining({ code: ErrorCode.UNAUTHENTICATED }));
    expect(() => assertAdmin('Basic secret', 'secret')).toThrow(expect.objectContaining({ code: ErrorCode.UNAUTHENTICATED }));
  });
  it('accepts the right token', () => {
    expect(() => assertAdmin('Bearer secret', 'secret')).not.toThrow();
    expect(() => assertAdmin('bearer   secret ', 'secret')).not.toThrow();
  });
  it('compares strings of different lengths without throwing', () => {
    expect(constantTimeEquals('a', 'a-much-longer-string')).toBe(false);
    expect(constantTimeEquals('same', 'same')).toBe(true);
    expect(parseBearer('Bearer a b')).toBeUndefined();
  });
});
