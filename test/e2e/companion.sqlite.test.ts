import { defineCompanionSuite } from './companion-suite';

defineCompanionSuite('a companion encoder for verifyIdentity (SQLite)', { databaseUrl: () => undefined });
