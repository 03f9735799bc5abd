import { defineCompanionSuite } from './companion-suite';
import { describePg, pgSuiteDatabases } from '../db/db-targets';

/** The same suite on PostgreSQL (a fresh schema per test); .ci/run sets TEST_DATABASE_URL_PG. */
describePg('PostgreSQL', () => {
  defineCompanionSuite('a companion encoder for verifyIdentity (PostgreSQL)', pgSuiteDatabases());
});
