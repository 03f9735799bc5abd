import { parse, type OperationDefinitionNode } from 'graphql';
import { TokenBucketLimiter, expensiveFieldCount } from '../../src/server/rate-limit';

/** The token bucket by hand: burst 3, refill 2 per second, on an injected clock. */
describe('TokenBucketLimiter', () => {
  it('lets a burst through, then one request per refill interval', () => {
    let t = 1_000_000;
    const l = new TokenBucketLimiter({ perSecond: 2, burst: 3, now: () => t });
    expect([l.take('a'), l.take('a'), l.take('a')].map((r) => r.ok)).toEqual([true, true, true]);
    // Empty bucket; 2 tokens/s → one token every 500 ms.
    expect(l.take('a')).toEqual({ ok: false, retryAfterMs: 500 });
    t += 250; // 0.5 token
    expect(l.take('a')).toEqual({ ok: false, retryAfterMs: 250 });
    t += 250; // 1 token
    expect(l.take('a').ok).toBe(true);
    // Another client has its own bucket.
    expect(l.take('b', 3).ok).toBe(true);
    // A long pause refills to the burst, not beyond it.
    t += 60_000;
    expect(l.take('a', 4)).toEqual({ ok: false, retryAfterMs: 0 });
    expect(l.take('a', 3).ok).toBe(true);
  });

  it('is off with perSecond 0, and forgets the least recently seen clients beyond maxClients', () => {
    const off = new TokenBucketLimiter({ perSecond: 0, burst: 1 });
    expect(Array.from({ length: 10 }, () => off.take('x').ok).every(Boolean)).toBe(true);
    const t = 0;
    const l = new TokenBucketLimiter({ perSecond: 1, burst: 1, now: () => t, maxClients: 2 });
    expect(l.take('a').ok).toBe(true);
    expect(l.take('b').ok).toBe(true);
    expect(l.take('c').ok).toBe(true); // evicts 'a'
    expect(l.take('a').ok).toBe(true); // a fresh bucket again (evicts 'b')
    expect(l.take('c').ok).toBe(false);
  });
});

describe('expensiveFieldCount', () => {
  const count = (q: string, name?: string) => {
    const doc = parse(q);
    const op = doc.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition' && (!name || d.name?.value === name),
    )!;
    return expensiveFieldCount(doc, op);
  };
  it('counts expensive root fields, aliases and fragments; ignores cheap ones and other operations', () => {
    expect(count('{ model { version } }')).toBe(0);
    expect(count('{ a: verify(a: {}, b: {}) { match } b: verify(a: {}, b: {}) { match } searchSimilar(image: {}) { distance } }')).toBe(3);
    expect(
      count(
        'query Q { ...F ... on Query { verify(a: {}, b: {}) { match } } } fragment F on Query { searchSimilar(image: {}) { distance } }',
      ),
    ).toBe(2);
    expect(
      count(
        'mutation M { enrollImages(identityId: "x", images: []) { id } retrain { id } } query N { verify(a: {}, b: {}) { match } }',
        'M',
      ),
    ).toBe(2);
  });
});

describe('rate limit configuration', () => {
  const { loadConfig, ConfigError } = require('../../src/config') as typeof import('../../src/config');
  const base = { SIAMESE_MODELS_DIR: '/nonexistent' };
  it('defaults to a generous bucket, is configurable, and 0 turns it off', () => {
    expect(loadConfig(base, '/tmp').limits).toMatchObject({ rateLimitPerSecond: 1000, rateLimitBurst: 2000 });
    expect(loadConfig({ ...base, SIAMESE_RATE_LIMIT_PER_SEC: '0', SIAMESE_RATE_LIMIT_BURST: '5' }, '/tmp').limits).toMatchObject({
      rateLimitPerSecond: 0,
      rateLimitBurst: 5,
    });
    expect(() => loadConfig({ ...base, SIAMESE_RATE_LIMIT_PER_SEC: '-1' }, '/tmp')).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, SIAMESE_RATE_LIMIT_BURST: '0' }, '/tmp')).toThrow(ConfigError);
  });
});
