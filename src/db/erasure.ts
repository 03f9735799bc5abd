import type { Database } from './database';

/**
 * After an erasure on SQLite: `secure_delete` (set on every connection) zeroes
 * the freed pages, but the WAL still holds the frames written when the rows
 * were inserted, and keeps them until they happen to be overwritten. A
 * TRUNCATE checkpoint copies the zeroed pages into the database file and cuts
 * the WAL to 0 bytes, so the erased image bytes and vectors leave the disk now.
 * Best effort: a checkpoint blocked by a reader is retried by the next erasure.
 * (PostgreSQL keeps dead tuples until VACUUM; that is the operator's schedule.)
 */
export async function scrubAfterErasure(db: Database): Promise<void> {
  if (db.provider !== 'sqlite') return;
  await db.run((p) => p.$queryRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)')).catch(() => undefined);
}
