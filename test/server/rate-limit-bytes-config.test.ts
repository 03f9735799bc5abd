import { loadConfig, ConfigError } from '../../src/config';
import { createGraphQLPolicy } from '../../src/server/graphql-policy';

/**
 * Issue 13 (round 2): SIAMESE_RATE_LIMIT_BYTES_PER_TOKEN reaches the token bucket
 * (config → graphql-policy → rate-limit); before, the bucket always used its built-in 1 MiB.
 */
describe('SIAMESE_RATE_LIMIT_BYTES_PER_TOKEN', () => {
  const base = { SIAMESE_MODELS_DIR: '/nonexistent' };
  const limiterOf = (env: Record<string, string>) =>
    createGraphQLPolicy({
      limits: loadConfig({ ...base, ...env }, '/tmp').limits,
      introspection: false,
      hideSuggestions: false,
      exposeStackTraces: false,
      logger: { error: () => undefined },
    }).limiter;

  test('default 1 MiB: a 4.58 MiB body costs 1 + 4 tokens', () => {
    expect(loadConfig(base, '/tmp').limits.rateLimitBytesPerToken).toBe(1024 * 1024);
    expect(limiterOf({}).costOf(1, 4.58 * 2 ** 20)).toBe(5);
  });

  test('configured: 64 KiB per token makes a 200 KiB body cost 1 + 3; 0 charges fields only', () => {
    expect(limiterOf({ SIAMESE_RATE_LIMIT_BYTES_PER_TOKEN: String(64 * 1024) }).costOf(1, 200 * 1024)).toBe(4);
    expect(limiterOf({ SIAMESE_RATE_LIMIT_BYTES_PER_TOKEN: '0' }).costOf(2, 8 * 2 ** 20)).toBe(2);
  });

  test('a negative or non-numeric value is a configuration error', () => {
    expect(() => loadConfig({ ...base, SIAMESE_RATE_LIMIT_BYTES_PER_TOKEN: '-1' }, '/tmp')).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, SIAMESE_RATE_LIMIT_BYTES_PER_TOKEN: 'lots' }, '/tmp')).toThrow(ConfigError);
  });
});
