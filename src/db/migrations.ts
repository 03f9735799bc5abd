/**
 * Applies the committed SQL migrations (prisma/<provider>/migrations/<name>/migration.sql)
 * at start. A small runner rather than spawning `prisma migrate deploy`:
 * - fast (no second Node process loading the CLI: ~1 s saved per start) and offline;
 * - `prisma migrate deploy` with the JS schema engine fails on PostgreSQL in Prisma 6.19
 *   ("Column type 'name' could not be deserialized": adapter-pg has no mapping for the
 *   `name` type the engine reads from the catalog);
 * - safe when two processes start at once: the whole run is ONE transaction taken under a
 *   lock (SQLite: BEGIN IMMEDIATE, waits on busy_timeout; PostgreSQL: a transaction-scoped
 *   advisory lock keyed by schema). DDL is transactional on both, so a failed migration
 *   leaves nothing half-applied.
 *
 * Applied migrations are recorded in Prisma's own `_prisma_migrations` table with Prisma's
 * checksum (SHA-256 of the file), so `prisma migrate status` understands the database.
 * An applied migration whose file changed, or one this build does not know (a newer
 * version ran here), stops the start with a clear error instead of guessing.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { DbProvider, parseDatabaseUrl } from './database-url';

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  provider: DbProvider;
  /** Names applied by this call, in order (empty when the database was up to date). */
  applied: string[];
  /** Total migrations known to this build. */
  total: number;
}

/** Where the committed migrations are: <repo>/prisma/<provider>/migrations (same from src/ and dist/). */
export function migrationsDir(provider: DbProvider): string {
  return path.resolve(__dirname, '..', '..', 'prisma', provider, 'migrations');
}

export function readMigrations(dir: string): MigrationFile[] {
  if (!fs.existsSync(dir)) throw new Error(`migrations folder not found: ${dir}`);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort() // names start with a UTC timestamp
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/** Decides what to apply; throws on drift. Pure, so both runners share it. */
export function planMigrations(files: MigrationFile[], applied: AppliedRow[]): MigrationFile[] {
  const done = new Map<string, AppliedRow>();
  for (const row of applied) {
    if (row.rolled_back_at != null) continue;
    if (row.finished_at == null) {
      throw new Error(
        `migration ${row.migration_name} is recorded as started but not finished (a failed \`prisma migrate\`?); ` +
          'fix the database by hand, then mark it rolled back or applied',
      );
    }
    done.set(row.migration_name, row);
  }
  const known = new Set(files.map((f) => f.name));
  const unknown = [...done.keys()].filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new Error(`the database has migrations this build does not know (${unknown.join(', ')}): it was used by a newer version`);
  }
  for (const f of files) {
    const row = done.get(f.name);
    if (row && row.checksum !== f.checksum) {
      throw new Error(`migration ${f.name} was changed after it was applied (checksum mismatch)`);
    }
  }
  return files.filter((f) => !done.has(f.name));
}

const SQLITE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const PG_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

function applySqlite(filename: string, files: MigrationFile[], busyTimeoutMs: number): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const BetterSqlite3 = require('better-sqlite3') as typeof import('better-sqlite3');
  if (filename !== ':memory:') fs.mkdirSync(path.dirname(filename), { recursive: true });
  const db = new BetterSqlite3(filename, { timeout: busyTimeoutMs });
  try {
    // WAL is persistent in the file; set it here once so the app's connections find it set.
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = OFF'); // table rebuilds in SQLite migrations need FKs off
    db.exec('BEGIN IMMEDIATE'); // takes the write lock now: a second starter waits here
    try {
      db.exec(SQLITE_TABLE);
      const rows = db
        .prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"')
        .all() as AppliedRow[];
      const pending = planMigrations(files, rows);
      const insert = db.prepare(
        'INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, 1)',
      );
      for (const m of pending) {
        const startedAt = new Date().toISOString();
        db.exec(m.sql);
        insert.run(crypto.randomUUID(), m.checksum, new Date().toISOString(), m.name, startedAt);
      }
      const violations = db.prepare('PRAGMA foreign_key_check').all();
      if (violations.length > 0) throw new Error(`migrations left ${violations.length} foreign key violations`);
      db.exec('COMMIT');
      return pending.map((m) => m.name);
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw e;
    }
  } finally {
    db.close();
  }
}

async function applyPostgres(connectionString: string, schema: string, files: MigrationFile[]): Promise<string[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as typeof import('pg');
  const client = new Client({ connectionString });
  await client.connect();
  try {
    const quoted = `"${schema}"`; // validated identifier (database-url.ts)
    await client.query('BEGIN');
    try {
      // One lock per schema: two starters serialise, the second finds everything applied.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`siamese-migrations:${schema}`]);
      // Only when missing: CREATE SCHEMA checks the CREATE privilege even with IF NOT EXISTS,
      // and a least-privilege role may own its schema without being allowed to create one.
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoted}`);
      await client.query(`SET LOCAL search_path TO ${quoted}`);
      await client.query(PG_TABLE);
      const { rows } = await client.query<AppliedRow>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
      );
      const pending = planMigrations(files, rows);
      for (const m of pending) {
        const startedAt = new Date();
        await client.query(m.sql);
        await client.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES ($1, $2, now(), $3, $4, 1)',
          [crypto.randomUUID(), m.checksum, m.name, startedAt],
        );
      }
      await client.query('COMMIT');
      return pending.map((m) => m.name);
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  } finally {
    await client.end();
  }
}

export async function applyMigrations(
  databaseUrl: string,
  options: { migrationsDir?: string; busyTimeoutMs?: number } = {},
): Promise<MigrationResult> {
  const parsed = parseDatabaseUrl(databaseUrl);
  const files = readMigrations(options.migrationsDir ?? migrationsDir(parsed.provider));
  const applied =
    parsed.provider === 'sqlite'
      ? applySqlite(parsed.filename, files, options.busyTimeoutMs ?? 30_000)
      : await applyPostgres(parsed.connectionString, parsed.schema, files);
  return { provider: parsed.provider, applied, total: files.length };
}

/**
 * How many migrations the database has applied, WITHOUT creating or changing anything
 * (startup guard, issue 13: a database that lost its schema beside index files that say
 * otherwise must stop the start, not be migrated into an empty one). 0 for a missing or
 * 0-byte SQLite file, a file without `_prisma_migrations`, or a PostgreSQL schema without it.
 * Throws what the driver throws for a file that is not a database, or an unreachable server.
 */
export async function appliedMigrationCount(databaseUrl: string, options: { busyTimeoutMs?: number } = {}): Promise<number> {
  const parsed = parseDatabaseUrl(databaseUrl);
  const count = `SELECT COUNT(*) AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  if (parsed.provider === 'sqlite') {
    if (parsed.filename === ':memory:') return 0;
    let size: number;
    try {
      size = fs.statSync(parsed.filename).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
    if (size === 0) return 0;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const BetterSqlite3 = require('better-sqlite3') as typeof import('better-sqlite3');
    const db = new BetterSqlite3(parsed.filename, { readonly: true, fileMustExist: true, timeout: options.busyTimeoutMs ?? 30_000 });
    try {
      const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get();
      return table ? (db.prepare(count).get() as { n: number }).n : 0;
    } finally {
      db.close();
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as typeof import('pg');
  const client = new Client({ connectionString: parsed.connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
      `"${parsed.schema}"."_prisma_migrations"`,
    ]);
    if (!rows[0]?.t) return 0;
    const r = await client.query<{ n: string }>(count.replace('"_prisma_migrations"', `"${parsed.schema}"."_prisma_migrations"`));
    return Number(r.rows[0].n);
  } finally {
    await client.end();
  }
}
