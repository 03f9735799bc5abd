import { TokenBucketLimiter } from '../../src/server/rate-limit';

/** Issue 13: the per-client bucket also charges for the bytes an expensive operation carries (its images). */
describe('TokenBucketLimiter.costOf: weighted by request size', () => {
  const limiter = (bytesPerToken?: number) => new TokenBucketLimiter({ perSecond: 1, burst: 10, now: () => 0, bytesPerToken });

  test('one token per expensive field plus one per whole MiB of body (default)', () => {
    const l = limiter();
    expect(l.costOf(1, 40_000)).toBe(1); // a 250×250 photo in base64
    expect(l.costOf(1, 4.58 * 2 ** 20)).toBe(5); // a 4096² progressive JPEG in base64: 1 + ⌊4.58⌋
    expect(l.costOf(2, 2 * 2 ** 20)).toBe(4);
    expect(l.costOf(2, undefined)).toBe(2); // chunked body: fields only
    expect(l.costOf(0, 8 * 2 ** 20)).toBe(0); // cheap operations stay free, whatever their size
  });

  test('bytesPerToken 0 counts fields only; a client sending big images drains its bucket faster', () => {
    expect(limiter(0).costOf(1, 8 * 2 ** 20)).toBe(1);
    const l = limiter();
    const heavy = l.costOf(1, 4.58 * 2 ** 20);
    // burst 10, no refill (clock fixed): two heavy requests (5 tokens each) empty the bucket, ten light ones would pass.
    expect(l.take('heavy', heavy).ok).toBe(true);
    expect(l.take('heavy', heavy).ok).toBe(true);
    expect(l.take('heavy', heavy).ok).toBe(false);
    for (let i = 0; i < 10; i++) expect(l.take('light', l.costOf(1, 40_000)).ok).toBe(true);
  });
});
