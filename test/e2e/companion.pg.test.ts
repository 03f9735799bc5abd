import { defineCompanionSuite } from './companion-suite';
import { describePg, pgTestDatabase, type TestDatabase } from '../db/db-targets';

/** The same suite on PostgreSQL (a fresh schema per test); .ci/run sets TEST_DATABASE_URL_PG. */
describePg('PostgreSQL', () => {
  const open = new Map<string, TestDatabase>();
  defineCompanionSuite('a companion encoder for verifyIdentity (PostgreSQL)', {
    databaseUrl: () => {
      const db = pgTestDatabase();
      open.set(db.url, db);
      return db.url;
    },
    cleanup: async (url) => {
      if (url) await open.get(url)?.dispose();
      if (url) open.delete(url);
    },
  });
});
