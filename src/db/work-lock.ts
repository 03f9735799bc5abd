/**
 * Work locks across replicas on one PostgreSQL database: one server at a time does a piece of work that every replica
 * would otherwise repeat (the companion encoder's background pass, services/companion-warmer.ts).
 *
 * A PostgreSQL session-level advisory lock (`pg_try_advisory_lock`) on a connection of its own, opened for the lock
 * and closed to release it (ending the session frees its advisory locks, so release needs no round trip that could
 * hang on a dead network). A holder whose process dies frees it with its session at once; one whose host or network
 * is lost frees it when PostgreSQL notices the dead peer, which the session's TCP keepalives bound at about a minute
 * (KEEPALIVE below) rather than the operating system's default of hours. The key is a 64-bit hash of the schema and the
 * lock's name (`hashtextextended`, PostgreSQL 11+): advisory locks are per database, and test suites share one database
 * with a schema each. If the lock's connection drops during the work, the lock is gone while the work goes on
 * (`onLost` says so); another replica may then repeat part of it, which for the warmer is duplicate work, never a
 * wrong vector. Like LISTEN (docs/deployment.md), the lock needs a real session: PgBouncer in transaction mode would
 * strand it on a pooled server connection, so behind a pooler main.ts opens it on DATABASE_DIRECT_URL (pooler.ts).
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

/**
 * Server-side keepalives for the lock's session: a dead holder is noticed after about 30 + 3 × 10 s. Sent as startup
 * options, which PgBouncer refuses (1.18, any pool mode): a lock can never be taken through a pooler by mistake, and
 * pooler.ts's `checkDirectUrl` connects the same way to refuse such a DATABASE_DIRECT_URL at start.
 */
export const SESSION_STARTUP_OPTIONS = '-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3';
const CONNECT_TIMEOUT_MS = 10_000;

export function openWorkLocks(databaseUrl: string, opts: { onLost?: (name: string, e: Error) => void } = {}): WorkLocks | undefined {
  const parsed = parseDatabaseUrl(databaseUrl);
  if (parsed.provider !== 'postgresql') return undefined;
  return {
    async tryLock(name) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Client } = require('pg') as typeof import('pg');
      const client = new Client({
        connectionString: parsed.connectionString,
        options: SESSION_STARTUP_OPTIONS,
        keepAlive: true,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      });
      let held = false;
      let released = false;
      // A dropped connection must not crash the process: the lock is gone with it (see above).
      let lost = false;
      client.on('error', (e) => {
        // Once per lock: a terminated session may emit more than one error.
        if (held && !released && !lost) {
          lost = true;
          opts.onLost?.(name, e);
        }
      });
      try {
        await client.connect();
        const r = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [
          `${parsed.schema}:${name}`,
        ]);
        held = r.rows[0]?.locked === true;
      } finally {
        if (!held) await client.end().catch(() => undefined);
      }
      if (!held) return undefined;
      let ending: Promise<void> | undefined;
      return () => {
        released = true;
        return (ending ??= client.end().catch(() => undefined));
      };
    },
  };
}
