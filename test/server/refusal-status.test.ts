import { refusalStatus } from '../../src/server/refusal-status.plugin';

/**
 * Issue 13 (round 2): "come back later" answers carry the HTTP status that says so, so a load
 * balancer or an HTTP client library can back off without reading GraphQL bodies.
 */
describe('refusalStatus', () => {
  const busy = (retryAfterMs?: number) => ({
    message: 'busy',
    path: ['searchSimilar'],
    extensions: { code: 'SERVER_BUSY', ...(retryAfterMs ? { retryAfterMs } : {}) },
  });
  const limited = (retryAfterSeconds: number) => ({ message: 'slow down', extensions: { code: 'RATE_LIMITED', retryAfterSeconds } });

  test('SERVER_BUSY with no data → 503, Retry-After rounded up to whole seconds (at least 1)', () => {
    expect(refusalStatus({ data: null, errors: [busy(2300)] })).toEqual({ status: 503, retryAfterSeconds: 3 });
    expect(refusalStatus({ errors: [busy(40)] })).toEqual({ status: 503, retryAfterSeconds: 1 });
    expect(refusalStatus({ data: null, errors: [busy()] })).toEqual({ status: 503, retryAfterSeconds: 1 });
  });

  test('RATE_LIMITED alone → 429; with SERVER_BUSY → 503, the longest hint', () => {
    expect(refusalStatus({ errors: [limited(7)] })).toEqual({ status: 429, retryAfterSeconds: 7 });
    expect(refusalStatus({ data: null, errors: [limited(2), busy(5500)] })).toEqual({ status: 503, retryAfterSeconds: 6 });
  });

  test('every root field null counts as no data (nullable roots); one answered field keeps 200', () => {
    expect(refusalStatus({ data: { a: null, b: null }, errors: [busy(100), busy(100)] })).toEqual({ status: 503, retryAfterSeconds: 1 });
    expect(refusalStatus({ data: { a: { match: true }, b: null }, errors: [busy(100)] })).toBeUndefined();
  });

  test('any other error, or none, leaves the status alone', () => {
    expect(refusalStatus({ data: { a: 1 } })).toBeUndefined();
    expect(refusalStatus({ data: null, errors: [] })).toBeUndefined();
    expect(refusalStatus({ data: null, errors: [busy(100), { message: 'bad', extensions: { code: 'INVALID_IMAGE' } }] })).toBeUndefined();
    expect(refusalStatus({ data: null, errors: [{ message: 'no code' }] })).toBeUndefined();
  });
});
