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
 *
 * Storage failures (issue 13, disk full): both adapters are wrapped (`guardAdapter`) so that
 * - a failed COMMIT or ROLLBACK still releases the transaction. Prisma 6.19's transaction manager
 *   calls the adapter's `commit()`/`rollback()` (which release better-sqlite3's transaction lock,
 *   or give the pg connection back to the pool) only after the COMMIT/ROLLBACK statement
 *   succeeded. On a full disk SQLite fails the statement (or rolls the transaction back itself,
 *   so the ROLLBACK that follows fails with "no transaction is active"); the lock was then held
 *   forever and every later transaction, and behind our mutex every read, waited on it;
 * - every storage outcome is reported to `DatabaseOptions.storage` (health: degraded while the
 *   last write failed, ok after the next successful one);
 * and `run` turns a storage failure into a `DomainError` STORAGE_FULL / STORAGE_UNAVAILABLE.
 */
import { AsyncLocalStorage } from 'async_hooks';
import * as fs from 'fs';
import * as path from 'path';
import type { PrismaClient as SqlitePrismaClient, Prisma as SqlitePrismaNs } from '../../generated/prisma-sqlite';
import { DbProvider, parseDatabaseUrl, ParsedDatabaseUrl } from './database-url';
import { AsyncMutex } from './async-mutex';
import { classifyStorageError, storageError, type StorageProblem } from './storage-errors';

/** Told about storage outcomes (src/services/storage-health.ts implements it). */
export interface StorageObserver {
  /** A write committed (a COMMIT, or a write statement outside a transaction). */
  wrote(): void;
  /** The storage refused an operation. */
  failed(problem: StorageProblem, error: unknown): void;
}

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
  /**
   * PostgreSQL: extra `-c name=value` settings every pooled connection starts with
   * (pgvector's `hnsw.ef_search`, so a search is one statement: see pgvector.index.ts).
   */
  pgSessionOptions?: string;
  /** Interactive transaction timeout (ms, default 60 000: big enrollment batches carry image bytes). */
  transactionTimeoutMs?: number;
  /** Storage outcomes, for the health state. */
  storage?: StorageObserver;
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

/** The parts of Prisma's driver-adapter interface (SqlQueryable / Transaction) that guardAdapter wraps. */
interface SqlQuery {
  sql: string;
  args: unknown[];
  argTypes: unknown[];
}
interface Queryable {
  queryRaw(q: SqlQuery): Promise<unknown>;
  executeRaw(q: SqlQuery): Promise<number>;
}
interface TransactionLike extends Queryable {
  rollback(): Promise<void>;
}
interface ConnectedAdapter extends Queryable {
  startTransaction(isolationLevel?: unknown): Promise<TransactionLike>;
}

const WRITE_SQL = /^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b/i;
const END_SQL = /^\s*(COMMIT|ROLLBACK)\s*;?\s*$/i;

/**
 * The storage problem met by the driver during one `run`. Needed because Prisma does not always
 * pass the driver's error on: after a failed COMMIT it marks the transaction closed and then
 * throws P2028 "Transaction already closed: A rollback cannot be executed on a committed
 * transaction". Prisma runs its own transaction steps outside the caller's async context, so
 * on SQLite (one run at a time, under the mutex) the run in progress is simply remembered;
 * on PostgreSQL the async context is the best available.
 */
interface RunState {
  problem?: StorageProblem;
}
const runContext = new AsyncLocalStorage<RunState>();

/** See the file comment: releases transactions whose COMMIT/ROLLBACK failed, reports storage outcomes. */
function guardAdapter(
  factory: AdapterFactory,
  observer: StorageObserver | undefined,
  currentRun: () => RunState | undefined,
): AdapterFactory {
  const report = (e: unknown) => {
    const problem = classifyStorageError(e);
    if (!problem) return;
    const run = currentRun() ?? runContext.getStore();
    if (run) run.problem ??= problem;
    observer?.failed(problem, e);
  };
  const observe = (q: Queryable, inTransaction: boolean) => {
    for (const method of ['queryRaw', 'executeRaw'] as const) {
      const original = q[method].bind(q) as (query: SqlQuery) => Promise<unknown>;
      (q as unknown as Record<string, unknown>)[method] = async (query: SqlQuery) => {
        try {
          const result = await original(query);
          if (!inTransaction && WRITE_SQL.test(query.sql)) observer?.wrote();
          return result;
        } catch (e) {
          report(e);
          throw e;
        }
      };
    }
  };
  const guardTransaction = (tx: TransactionLike): TransactionLike => {
    observe(tx, true);
    const execute = tx.executeRaw.bind(tx);
    tx.executeRaw = async (query: SqlQuery) => {
      const end = END_SQL.exec(query.sql)?.[1]?.toUpperCase();
      if (!end) return execute(query);
      try {
        const n = await execute(query);
        if (end === 'COMMIT') observer?.wrote();
        return n;
      } catch (e) {
        // Leave no transaction open on the connection (SQLite may already have rolled back),
        // then release it: Prisma will not, since the statement failed.
        if (end === 'COMMIT') await execute({ sql: 'ROLLBACK', args: [], argTypes: [] }).catch(() => undefined);
        await tx.rollback().catch(() => undefined);
        // A failed COMMIT must reach the caller. A failed ROLLBACK means there was nothing left to
        // roll back (SQLite ends a transaction itself on SQLITE_FULL / IOERR): throwing would only
        // replace the error that made the caller roll back.
        if (end === 'COMMIT') throw e;
        return 0;
      }
    };
    return tx;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      let adapter: Awaited<ReturnType<AdapterFactory['connect']>>;
      try {
        adapter = await factory.connect();
      } catch (e) {
        report(e);
        throw e;
      }
      const connected = adapter as unknown as ConnectedAdapter;
      observe(connected, false);
      const start = connected.startTransaction.bind(connected);
      connected.startTransaction = async (isolationLevel?: unknown) => {
        try {
          return guardTransaction(await start(isolationLevel));
        } catch (e) {
          report(e);
          throw e;
        }
      };
      return adapter;
    },
  };
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

function pgAdapter(connectionString: string, schema: string, pgbouncer: boolean, options: DatabaseOptions): AdapterFactory {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PrismaPg } = require('@prisma/adapter-pg') as typeof import('@prisma/adapter-pg');
  // Prisma qualifies its own queries with `schema`; search_path makes raw SQL land there too. A transaction pooler
  // refuses startup options (PgBouncer: "unsupported startup parameter: options"), so behind one the server side sets
  // search_path and pooler.ts checks it; pgvector then sets its ef_search per search (SET LOCAL, pgvector.index.ts).
  return new PrismaPg(
    {
      connectionString,
      max: options.poolSize ?? 10,
      ...(pgbouncer ? {} : { options: `-c search_path="${schema}"${options.pgSessionOptions ? ` ${options.pgSessionOptions}` : ''}` }),
    },
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
    throw new Error(`the Prisma client for ${provider} is not generated (run \`npm run prepare\`): ${(e as Error).message}`);
  }
}

export function createDatabase(databaseUrl: string, options: DatabaseOptions = {}): Database {
  const parsed: ParsedDatabaseUrl = parseDatabaseUrl(databaseUrl);
  let adapter: AdapterFactory;
  if (parsed.provider === 'sqlite') {
    if (parsed.filename !== ':memory:') fs.mkdirSync(path.dirname(parsed.filename), { recursive: true });
    adapter = sqliteAdapter(parsed.filename, options);
  } else {
    adapter = pgAdapter(parsed.connectionString, parsed.schema, parsed.pgbouncer, options);
  }
  const mod = loadClientModule(parsed.provider);
  const timeout = options.transactionTimeoutMs ?? 60_000;
  const mutex = parsed.provider === 'sqlite' ? new AsyncMutex() : null;
  let sqliteRun: RunState | undefined; // the run holding the mutex (SQLite only)
  const prisma = new mod.PrismaClient({
    adapter: guardAdapter(adapter, options.storage, () => sqliteRun),
    transactionOptions: { timeout, maxWait: timeout },
  });
  let closed = false;

  const run = <T>(fn: (p: PrismaFacade) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('database is closed'));
    const ctx: RunState = {};
    const call = () => runContext.run(ctx, () => fn(prisma));
    const exclusive = async () => {
      sqliteRun = ctx;
      try {
        return await call();
      } finally {
        sqliteRun = undefined;
      }
    };
    return (mutex ? mutex.runExclusive(exclusive) : call()).catch((e: unknown) => {
      const problem = classifyStorageError(e) ?? ctx.problem;
      if (!problem) throw e;
      if (!ctx.problem) options.storage?.failed(problem, e); // else the adapter told it, with the driver's own error
      throw Object.assign(storageError(problem), { cause: e });
    });
  };

  return {
    provider: parsed.provider,
    schema: parsed.provider === 'postgresql' ? parsed.schema : null,
    prisma,
    dbNull: mod.Prisma.DbNull,
    run,
    transaction: <T>(fn: (tx: PrismaTx) => Promise<T>) => run((p) => p.$transaction((tx) => fn(tx), { timeout, maxWait: timeout })),
    async close() {
      if (closed) return;
      // Let in-flight SQLite work finish before the connection goes away.
      if (mutex) await mutex.runExclusive(async () => undefined);
      closed = true;
      await prisma.$disconnect();
    },
  };
}
