import { parseBenchArgs, type BenchOptions } from '../../src/bench/bench-args';

/** `siamese bench --pgvector URL` (issue 18): pgvector beside hnswlib in the index part. */
describe('--pgvector', () => {
  test('takes a postgresql:// URL; absent, the pgvector row is not run', () => {
    const url = 'postgresql://u:p@127.0.0.1:5432/db';
    expect((parseBenchArgs(['--only', 'index', '--pgvector', url], '/tmp') as BenchOptions).pgvector).toBe(url);
    expect((parseBenchArgs([`--pgvector=${url}`], '/tmp') as BenchOptions).pgvector).toBe(url);
    expect((parseBenchArgs(['--only', 'index'], '/tmp') as BenchOptions).pgvector).toBeNull();
  });

  test('anything else is refused with the reason', () => {
    expect(parseBenchArgs(['--pgvector', 'file:./x.db'], '/tmp')).toEqual({
      error: "--pgvector needs a postgresql:// URL, got 'file:./x.db'",
    });
    expect(parseBenchArgs(['--pgvector'], '/tmp')).toEqual({ error: "--pgvector needs a postgresql:// URL, got ''" });
  });
});
