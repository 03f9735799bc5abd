import { defineServiceSuite } from './service-suite';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { describePg, pgSuiteDatabases } from '../db/db-targets';

/** The same end-to-end suite on PostgreSQL (a fresh schema per test); .ci/run sets TEST_DATABASE_URL_PG. */
describePg('PostgreSQL', () => {
  defineServiceSuite('service end-to-end (PostgreSQL)', {
    ...pgSuiteDatabases(),
    // A real (tiny, random-weight, calibrated) model directory, loaded by the server itself.
    model: () => tinyModelOnce(),
  });
});
