/**
 * Work locks across replicas on one PostgreSQL database: one server at a time does a piece of work that every replica
 * would otherwise repeat (the companion encoder's background pass, services/companion-warmer.ts).
 *
 * A PostgreSQL session-level advisory lock (`pg_try_advisory_lock`), on a connection of its own opened for the lock and
 * closed with it: whoever holds it holds that connection, so a server that crashes or loses the database frees it with
 * its session, without a lease row, a heartbeat or an expiry to tune. The key is a 64-bit hash of the schema and the
 * lock's name (`hashtextextended`, PostgreSQL 11+): advisory locks are per database, and test suites share one database
 * with a schema each. If the lock's connection drops during the work, the lock is gone while the work goes on; another
 * replica may then repeat part of it, which for the warmer is duplicate work, never a wrong vector.
 *
 * SQLite has no such lock and needs none: one server writes a SQLite file (its replicas are test setups), so
 * `openWorkLocks` returns undefined there and the caller works unlocked.
 */
import { parseDatabaseUrl } from './database-url';

/** Releases a held lock (idempotent). */
export type ReleaseWorkLock = () => Promise<void>;

export interface WorkLocks {
  /** The lock `name`, or undefined when another session holds it. Throws when the database cannot be reached. */
  tryLock(name: string): Promise<ReleaseWorkLock | undefined>;
}

export function openWorkLocks(databaseUrl: string): WorkLocks | undefined {
  const parsed = parseDatabaseUrl(databaseUrl);
  if (parsed.provider !== 'postgresql') return undefined;
  return {
    async tryLock(name) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Client } = require('pg') as typeof import('pg');
      const client = new Client({ connectionString: parsed.connectionString });
      // A dropped connection must not crash the process: the lock is gone with it (see above).
      client.on('error', () => undefined);
      await client.connect();
      const key = `${parsed.schema}:${name}`;
      let held = false;
      try {
        const r = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [key]);
        held = r.rows[0]?.locked === true;
      } finally {
        if (!held) await client.end().catch(() => undefined);
      }
      if (!held) return undefined;
      let released: Promise<void> | undefined;
      return () =>
        (released ??= client
          .query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key])
          .then(
            () => undefined,
            () => undefined,
          )
          .finally(() => client.end().catch(() => undefined)));
    },
  };
}
