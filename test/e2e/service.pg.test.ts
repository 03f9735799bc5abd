import { defineServiceSuite } from './service-suite';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { describePg, pgTestDatabase, type TestDatabase } from '../db/db-targets';

/** The same end-to-end suite on PostgreSQL (a fresh schema per test); .ci/run sets TEST_DATABASE_URL_PG. */
describePg('PostgreSQL', () => {
  const open = new Map<string, TestDatabase>();
  defineServiceSuite('service end-to-end (PostgreSQL)', {
    databaseUrl: () => {
      const db = pgTestDatabase();
      open.set(db.url, db);
      return db.url;
    },
    cleanup: async (url) => {
      if (url) await open.get(url)?.dispose();
      if (url) open.delete(url);
    },
    // A real (tiny, random-weight, calibrated) model directory, loaded by the server itself.
    model: () => tinyModelOnce(),
  });
});
