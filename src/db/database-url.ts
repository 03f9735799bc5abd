/**
 * Parses a DATABASE_URL into what the adapters and the migration runner need.
 * `file:` → embedded SQLite (better-sqlite3); `postgres://` / `postgresql://` → pg.
 * For PostgreSQL a `?schema=name` parameter (Prisma's convention) selects the schema
 * the tables live in; tests use it to give each run its own schema. `?pgbouncer=true` (Prisma's
 * convention too) says the URL reaches a transaction pooler: its connections carry no startup
 * options (PgBouncer refuses them), so the schema must be set on the server side (db/pooler.ts).
 */
import * as path from 'path';

export type DbProvider = 'sqlite' | 'postgresql';

export type ParsedDatabaseUrl =
  | { provider: 'sqlite'; /** absolute file path, or ':memory:' */ filename: string }
  | {
      provider: 'postgresql';
      /** URL without the `schema` and `pgbouncer` parameters */
      connectionString: string;
      schema: string;
      /** `?pgbouncer=true`: a transaction pooler (PgBouncer `pool_mode = transaction`) between us and PostgreSQL. */
      pgbouncer: boolean;
    };

const PG_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function parseDatabaseUrl(databaseUrl: string, cwd: string = process.cwd()): ParsedDatabaseUrl {
  if (databaseUrl.startsWith('file:')) {
    // Prisma's SQLite URLs: file:./rel.db, file:/abs.db, file:rel.db; query params ignored.
    const raw = decodeURIComponent(databaseUrl.slice('file:'.length).replace(/\?.*$/, ''));
    if (raw === '') throw new Error('DATABASE_URL file: needs a path');
    if (raw === ':memory:') return { provider: 'sqlite', filename: raw };
    const filePath = raw.startsWith('//') ? raw.slice(2) : raw;
    return { provider: 'sqlite', filename: path.resolve(cwd, filePath) };
  }
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    const url = new URL(databaseUrl);
    const schema = url.searchParams.get('schema') ?? 'public';
    if (!PG_IDENTIFIER.test(schema)) throw new Error(`invalid PostgreSQL schema name '${schema}'`);
    url.searchParams.delete('schema');
    const pooled = url.searchParams.get('pgbouncer');
    if (pooled !== null && pooled !== 'true' && pooled !== 'false') {
      throw new Error(`the pgbouncer parameter of a PostgreSQL URL must be true or false (got '${pooled}')`);
    }
    url.searchParams.delete('pgbouncer');
    return { provider: 'postgresql', connectionString: url.toString(), schema, pgbouncer: pooled === 'true' };
  }
  throw new Error('DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL)');
}

/** The URL with its password replaced, for logs and error messages. */
export function redactDatabaseUrl(databaseUrl: string): string {
  return databaseUrl.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
