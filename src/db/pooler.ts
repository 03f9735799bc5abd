/**
 * A transaction pooler in front of PostgreSQL (session 51; docs/deployment.md, "Connection poolers").
 *
 * Replicas × pool size outgrow PostgreSQL's connection limit, and the usual answer is PgBouncer in transaction mode:
 * a server connection belongs to a client for one transaction at a time. Three things this service did assumed a
 * session of its own (each measured against PgBouncer 1.18 in transaction mode, test/e2e/pgbouncer.pg.test.ts):
 *  - the pool's startup option `-c search_path=…` (database.ts): PgBouncer refuses the connection outright
 *    ("unsupported startup parameter: options"). With `?pgbouncer=true` on DATABASE_URL no option is sent, and the
 *    server side must put every pooled connection in the schema: a `connect_query` in pgbouncer.ini's [databases]
 *    entry, or `ALTER ROLE … IN DATABASE … SET search_path`. `checkPoolSchema` verifies it before anything is read;
 *  - LISTEN (change-feed.ts): accepted, but the server connection goes back to the pool after the statement, so the
 *    notifications reach whichever client holds it at the time, or nobody;
 *  - session advisory locks (work-lock.ts): they stay on the pooled server connection, so the next client handed
 *    that connection holds the lock too (a session's advisory locks are re-entrant).
 * The last two go to DATABASE_DIRECT_URL (`sessionUrlFor`): PostgreSQL itself, checked at start to be the same primary
 * and database and no pooler (`checkDirectUrl`). Without it, a pooled service follows the change feed by polling and
 * runs the companion's warm pass unlocked (duplicate work across replicas, never a wrong vector).
 */
import type { Database } from './database';
import { parseDatabaseUrl, redactDatabaseUrl } from './database-url';
import { SERVER_FACTS_SQL, serverFacts, type ServerFacts } from './server-facts';
import { SESSION_STARTUP_OPTIONS } from './work-lock';
import { DomainError, ErrorCode } from '../errors';

/**
 * The URL of the connections that need a session of their own (LISTEN, work locks), schema included: the direct URL
 * (a URL without `?schema=` uses DATABASE_URL's schema; another schema is refused), DATABASE_URL itself when it is not
 * pooled, or undefined when DATABASE_URL is pooled and no direct URL is given.
 */
export function sessionUrlFor(databaseUrl: string, directUrl: string | undefined): string | undefined {
  const main = parseDatabaseUrl(databaseUrl);
  if (directUrl === undefined) return main.provider === 'postgresql' && main.pgbouncer ? undefined : databaseUrl;
  const direct = parseDatabaseUrl(directUrl);
  if (main.provider !== 'postgresql' || direct.provider !== 'postgresql') {
    throw misconfigured('DATABASE_DIRECT_URL and DATABASE_URL must both be postgresql:// URLs');
  }
  if (direct.pgbouncer) {
    throw misconfigured('DATABASE_DIRECT_URL says pgbouncer=true: it is for what needs a session, so point it at PostgreSQL itself');
  }
  const explicit = new URL(directUrl).searchParams.get('schema');
  if (explicit !== null && explicit !== main.schema) {
    throw misconfigured(`DATABASE_DIRECT_URL names schema '${explicit}', DATABASE_URL '${main.schema}': leave it out or make them equal`);
  }
  const url = new URL(direct.connectionString);
  url.searchParams.set('schema', main.schema);
  return url.toString();
}

/**
 * PostgreSQL: the pool's connections reach the configured schema. Behind a pooler without `?pgbouncer=true` the first
 * query fails on the startup option, and that is said in words a user can act on; behind one with it, a schema the
 * server side did not set would send raw SQL (change feed, pgvector, erasure) to other tables.
 */
export async function checkPoolSchema(db: Database, databaseUrl: string): Promise<void> {
  const parsed = parseDatabaseUrl(databaseUrl);
  if (parsed.provider !== 'postgresql') return;
  let current: string | null;
  try {
    const rows = await db.run((p) => p.$queryRawUnsafe<Array<{ s: string | null }>>('SELECT current_schema()::text AS s'));
    current = rows[0]?.s ?? null;
  } catch (e) {
    const refused = /unsupported startup parameter[^`\n]*/i.exec((e as Error).message);
    if (refused) {
      throw misconfigured(
        `${redactDatabaseUrl(databaseUrl)} refused the connection's startup options (${refused[0]}): it reaches a ` +
          'transaction pooler such as PgBouncer. Add pgbouncer=true to DATABASE_URL, set the schema on the server side, ' +
          'and give DATABASE_DIRECT_URL for LISTEN and locks (docs/deployment.md)',
      );
    }
    throw e;
  }
  if (current === parsed.schema) return;
  throw misconfigured(
    parsed.pgbouncer
      ? `the pooled connections of ${redactDatabaseUrl(databaseUrl)} are in schema ${current === null ? 'none' : `'${current}'`}, ` +
          `not '${parsed.schema}': a transaction pooler cannot pass search_path, so set it on the server side, e.g. ` +
          `connect_query = 'SET search_path = "${parsed.schema}"' in pgbouncer.ini's [databases] entry, or ` +
          `ALTER ROLE <user> IN DATABASE <database> SET search_path = "${parsed.schema}"`
      : `the connections of ${redactDatabaseUrl(databaseUrl)} are in schema ${current === null ? 'none' : `'${current}'`}, not '${parsed.schema}'`,
  );
}

/**
 * DATABASE_DIRECT_URL reaches PostgreSQL itself, the same primary and database as the pool (refused with
 * POOLER_MISCONFIGURED otherwise). It connects with the work lock's startup options, so a pooler in front of it
 * (which would strand LISTEN and the lock) refuses here, at start, rather than at the first lock.
 */
export async function checkDirectUrl(pool: Database, sessionUrl: string): Promise<void> {
  const parsed = parseDatabaseUrl(sessionUrl);
  if (parsed.provider !== 'postgresql') return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as typeof import('pg');
  const client = new Client({
    connectionString: parsed.connectionString,
    options: SESSION_STARTUP_OPTIONS,
    connectionTimeoutMillis: 10_000,
    query_timeout: 10_000,
  });
  let direct: ServerFacts;
  try {
    await client.connect();
    direct = (await client.query<ServerFacts>(SERVER_FACTS_SQL)).rows[0];
  } catch (e) {
    const why = describe(e);
    throw misconfigured(
      /unsupported startup parameter/i.test(why)
        ? `DATABASE_DIRECT_URL (${redactDatabaseUrl(sessionUrl)}) reaches a connection pooler (${why}): it must reach PostgreSQL itself`
        : `cannot query DATABASE_DIRECT_URL (${redactDatabaseUrl(sessionUrl)}): ${why}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  const pooled = await serverFacts(pool);
  if (direct.inRecovery) {
    throw misconfigured('DATABASE_DIRECT_URL reaches a standby (pg_is_in_recovery() is true): LISTEN and locks need the primary');
  }
  if (direct.system !== pooled.system || direct.database !== pooled.database) {
    throw misconfigured(
      `DATABASE_DIRECT_URL reaches database '${direct.database}' of cluster ${direct.system}, DATABASE_URL '${pooled.database}' ` +
        `of cluster ${pooled.system}: both must reach the same primary and database`,
      { direct: { ...direct }, pooled: { ...pooled } },
    );
  }
}

/** A driver error in one line: its message's last line, or its code (Node 20's AggregateError of a refused connect has no message). */
function describe(e: unknown): string {
  const err = e as { message?: string; code?: string; errors?: Array<{ message?: string }> };
  const message = err.message?.split('\n').pop() || err.errors?.map((x) => x.message).join('; ') || err.code;
  return message || String(e);
}

function misconfigured(message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError(ErrorCode.POOLER_MISCONFIGURED, `${ErrorCode.POOLER_MISCONFIGURED}: ${message}`, details);
}
