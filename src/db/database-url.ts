/**
 * Parses a DATABASE_URL into what the adapters and the migration runner need.
 * `file:` → embedded SQLite (better-sqlite3); `postgres://` / `postgresql://` → pg.
 * For PostgreSQL a `?schema=name` parameter (Prisma's convention) selects the schema
 * the tables live in; tests use it to give each run its own schema.
 */
import * as path from 'path';

export type DbProvider = 'sqlite' | 'postgresql';

export type ParsedDatabaseUrl =
  | { provider: 'sqlite'; /** absolute file path, or ':memory:' */ filename: string }
  | { provider: 'postgresql'; /** URL without the `schema` parameter */ connectionString: string; schema: string };

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
    return { provider: 'postgresql', connectionString: url.toString(), schema };
  }
  throw new Error('DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL)');
}

/** The URL with its password replaced, for logs and error messages. */
export function redactDatabaseUrl(databaseUrl: string): string {
  return databaseUrl.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
