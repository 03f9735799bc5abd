import * as os from 'os';
import { ConfigError, loadConfig } from '../../src/config';

/** SIAMESE_INDEX (issue 18): hnsw by default, exact, or pgvector on a PostgreSQL database only. */
describe('SIAMESE_INDEX', () => {
  const base = { NODE_ENV: 'test', SIAMESE_MODELS_DIR: os.tmpdir() };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env }, os.tmpdir());
      return [];
    } catch (e) {
      return (e as ConfigError).problems;
    }
  };

  test('defaults to hnsw; exact and pgvector are accepted, case-insensitively', () => {
    expect(loadConfig(base, os.tmpdir()).index.kind).toBe('hnsw');
    expect(loadConfig({ ...base, SIAMESE_INDEX: 'exact' }, os.tmpdir()).index.kind).toBe('exact');
    const pg = loadConfig({ ...base, SIAMESE_INDEX: 'PGVECTOR', DATABASE_URL: 'postgresql://u:p@h:5432/d' }, os.tmpdir());
    expect(pg.index.kind).toBe('pgvector');
  });

  test('pgvector on SQLite is a configuration problem that says why', () => {
    expect(problems({ SIAMESE_INDEX: 'pgvector' })).toEqual([
      expect.stringMatching(/SIAMESE_INDEX=pgvector.*DATABASE_URL must be a postgresql:\/\/ URL/),
    ]);
    expect(problems({ SIAMESE_INDEX: 'pgvector', DATABASE_URL: 'file:./x.db' })).toHaveLength(1);
  });

  test('an unknown kind is refused with the accepted values', () => {
    expect(problems({ SIAMESE_INDEX: 'faiss' })).toEqual([`SIAMESE_INDEX must be hnsw, exact or pgvector (got 'faiss')`]);
  });
});
