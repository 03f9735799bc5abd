/**
 * Prisma client factory: one app, two providers.
 *
 * Prisma binds a generated client to one datasource provider, so the build generates two
 * clients from the same rendered schema (generated/prisma-sqlite, generated/prisma-postgresql)
 * and this factory picks one by the URL. Both have the same model API; callers see one
 * `PrismaFacade` type, and nothing outside src/db sees Prisma at all (repositories return
 * plain records).
 *
 * SQLite connection settings and why ("nothing acknowledged is lost"):
 * - journal_mode=WAL: readers never block the writer; a crash mid-write leaves the last
 *   committed state (the WAL is replayed on open).
 * - synchronous=FULL: every COMMIT fsyncs the WAL before returning, so a transaction we
 *   acknowledged survives power loss, not only a process kill. NORMAL would fsync only at
 *   checkpoints and may lose the last commits on power loss. Enrollment is not write-heavy
 *   enough for the extra fsync to matter.
 * - foreign_keys=ON: SQLite leaves FK enforcement off per connection by default; the
 *   ON DELETE CASCADE that erases an identity's images/embeddings/pairs depends on it.
 * - busy_timeout: another process (a CLI `import` beside the server) holding the write lock
 *   makes us wait instead of failing at once with SQLITE_BUSY.
 *
 * Serialising SQLite work: the better-sqlite3 adapter has ONE connection, and an interactive
 * transaction holds `BEGIN` on it across awaits; any other query issued meanwhile would run
 * inside that transaction (and vanish with its rollback). `run`/`transaction` therefore pass
 * every SQLite operation through an async mutex. better-sqlite3 is synchronous anyway, so this
 * costs no throughput. PostgreSQL uses a pool with a connection per transaction: no mutex.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { PrismaClient as SqlitePrismaClient, Prisma as SqlitePrismaNs } from '../../generated/prisma-sqlite';
import { DbProvider, parseDatabaseUrl, ParsedDatabaseUrl } from './database-url';
import { AsyncMutex } from './async-mutex';

/** The model API both generated clients share (typed as the SQLite one; structurally equal). */
export type PrismaFacade = SqlitePrismaClient;
/** The client handed to an interactive transaction callback. */
export type PrismaTx = SqlitePrismaNs.TransactionClient;

export interface DatabaseOptions {
  /** SQLite: ms to wait for another process's write lock (default 10 000). */
  busyTimeoutMs?: number;
  /** SQLite: 'FULL' (default, durable on power loss) or 'NORMAL'. */
  synchronous?: 'FULL' | 'NORMAL';
  /** PostgreSQL: pool size (default 10). */
  poolSize?: number;
  /** Interactive transaction timeout (ms, default 60 000: big enrollment batches carry image bytes). */
  transactionTimeoutMs?: number;
}

export interface Database {
  readonly provider: DbProvider;
  /** PostgreSQL schema in use ('public' unless the URL names one); null for SQLite. */
  readonly schema: string | null;
  /**
   * Raw facade, for src/db only. Prefer `run`/`transaction`, which serialise SQLite access
   * (see the file comment); a bare call on SQLite may land inside someone else's transaction.
   */
  readonly prisma: PrismaFacade;
  /** Prisma's `DbNull` of the client in use (sentinels are per client, never mix them). */
  readonly dbNull: unknown;
  run<T>(fn: (prisma: PrismaFacade) => Promise<T>): Promise<T>;
  transaction<T>(fn: (tx: PrismaTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

interface AdapterFactory {
  readonly provider: string;
  readonly adapterName: string;
  connect(): Promise<{ executeScript(script: string): Promise<void> } & object>;
}

function sqliteAdapter(filename: string, options: DatabaseOptions): AdapterFactory {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PrismaBetterSQLite3 } = require('@prisma/adapter-better-sqlite3') as typeof import('@prisma/adapter-better-sqlite3');
  const busy = options.busyTimeoutMs ?? 10_000;
  const inner = new PrismaBetterSQLite3({ url: filename, timeout: busy });
  const pragmas = [
    'PRAGMA journal_mode = WAL;',
    `PRAGMA synchronous = ${options.synchronous ?? 'FULL'};`,
    'PRAGMA foreign_keys = ON;',
    // Erasure (deleteIdentity/deleteImage) must not leave image bytes in freed pages.
    'PRAGMA secure_delete = ON;',
    `PRAGMA busy_timeout = ${Math.floor(busy)};`,
  ].join('\n');
  // Wrap connect() so every connection Prisma opens gets the pragmas, not only the first.
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    async connect() {
      const adapter = await inner.connect();
      await adapter.executeScript(pragmas);
      return adapter;
    },
  };
}

function pgAdapter(connectionString: string, schema: string, options: DatabaseOptions): AdapterFactory {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PrismaPg } = require('@prisma/adapter-pg') as typeof import('@prisma/adapter-pg');
  // Prisma qualifies its own queries with `schema`; search_path makes raw SQL land there too.
  return new PrismaPg(
    { connectionString, max: options.poolSize ?? 10, options: `-c search_path="${schema}"` },
    { schema },
  ) as unknown as AdapterFactory;
}

interface GeneratedModule {
  PrismaClient: new (options: { adapter: unknown; transactionOptions?: { timeout?: number; maxWait?: number } }) => PrismaFacade;
  Prisma: { DbNull: unknown };
}

function loadClientModule(provider: DbProvider): GeneratedModule {
  try {
    // Lazy: a SQLite deployment never loads the PostgreSQL client and vice versa.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return provider === 'sqlite' ? require('../../generated/prisma-sqlite') : require('../../generated/prisma-postgresql');
  } catch (e) {
    throw new Error(
      `the Prisma client for ${provider} is not generated (run \`npm run prepare\`): ${(e as Error).message}`,
    );
  }
}

export function createDatabase(databaseUrl: string, options: DatabaseOptions = {}): Database {
  const parsed: ParsedDatabaseUrl = parseDatabaseUrl(databaseUrl);
  let adapter: AdapterFactory;
  if (parsed.provider === 'sqlite') {
    if (parsed.filename !== ':memory:') fs.mkdirSync(path.dirname(parsed.filename), { recursive: true });
    adapter = sqliteAdapter(parsed.filename, options);
  } else {
    adapter = pgAdapter(parsed.connectionString, parsed.schema, options);
  }
  const mod = loadClientModule(parsed.provider);
  const timeout = options.transactionTimeoutMs ?? 60_000;
  const prisma = new mod.PrismaClient({ adapter, transactionOptions: { timeout, maxWait: timeout } });
  const mutex = parsed.provider === 'sqlite' ? new AsyncMutex() : null;
  let closed = false;

  const run = <T>(fn: (p: PrismaFacade) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('database is closed'));
    return mutex ? mutex.runExclusive(() => fn(prisma)) : fn(prisma);
  };

  return {
    provider: parsed.provider,
    schema: parsed.provider === 'postgresql' ? parsed.schema : null,
    prisma,
    dbNull: mod.Prisma.DbNull,
    run,
    transaction: <T>(fn: (tx: PrismaTx) => Promise<T>) =>
      run((p) => p.$transaction((tx) => fn(tx), { timeout, maxWait: timeout })),
    async close() {
      if (closed) return;
      // Let in-flight SQLite work finish before the connection goes away.
      if (mutex) await mutex.runExclusive(async () => undefined);
      closed = true;
      await prisma.$disconnect();
    },
  };
}
