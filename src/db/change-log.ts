/**
 * The writing half of the change feed (issue 18): the outbox rows every index-relevant write
 * appends inside its own transaction. Readers are in change-feed.ts.
 *
 * Order. A follower reads `seq > last`, so a row must never become visible after a row with a
 * larger seq (it would be skipped for good). Both providers therefore append under one lock
 * held until COMMIT:
 *  - PostgreSQL: `pg_advisory_xact_lock(FEED_LOCK)`, taken right before the insert (the last
 *    statements of the transaction), released by COMMIT/ROLLBACK. A sequence number is drawn
 *    only inside the lock, so commit order is seq order. Nothing else is locked after it,
 *    so it cannot take part in a deadlock; the serialised stretch is one insert plus the COMMIT.
 *  - SQLite: the database write lock already serialises writers (across processes too).
 * `pg_notify` in the same transaction is delivered at COMMIT only (never for a rollback); its
 * payload is the schema, so followers of other schemas in the same database ignore it.
 */
import type { PrismaTx } from './database';
import type { DbProvider } from './database-url';

/** The NOTIFY channel followers LISTEN on. */
export const CHANGE_FEED_CHANNEL = 'siamese_change_feed';
/** Advisory lock key of the feed (any constant: "siam" in ASCII). */
const FEED_LOCK = 0x7369616d;

export type ChangeKind = 'embedding.added' | 'embedding.removed' | 'model.activated' | 'model.dropped';

export interface NewChange {
  kind: ChangeKind;
  modelVersion?: string | null;
  imageId?: string | null;
  label?: number | null;
  identityId?: string | null;
}

/** Rows per INSERT (far below SQLite's bound-parameter limit at 5 columns each). */
const CHUNK = 500;

/** Appends `changes` to the feed inside `tx` (see the file comment for the lock and NOTIFY). */
export async function appendChanges(tx: PrismaTx, provider: DbProvider, changes: readonly NewChange[]): Promise<void> {
  if (changes.length === 0) return;
  if (provider === 'postgresql') await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${FEED_LOCK})`);
  for (let i = 0; i < changes.length; i += CHUNK) {
    await tx.changeLog.createMany({
      data: changes.slice(i, i + CHUNK).map((c) => ({
        kind: c.kind,
        modelVersion: c.modelVersion ?? null,
        imageId: c.imageId ?? null,
        label: c.label ?? null,
        identityId: c.identityId ?? null,
      })),
    });
  }
  if (provider === 'postgresql') await tx.$executeRawUnsafe(`SELECT pg_notify('${CHANGE_FEED_CHANNEL}', current_schema())`);
}
