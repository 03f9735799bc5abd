/**
 * pgvector searches in ONE statement when the pool's connections already carry the
 * index's hnsw.ef_search (PgvectorIndex.sessionOptions, pg's `-c hnsw.ef_search=N`
 * startup option): no BEGIN / SET LOCAL / COMMIT round trips per query. Against a real
 * PostgreSQL with pgvector (TEST_DATABASE_URL_PG): the VectorIndex contract on such a
 * pool, the number of transactions a search opens (counted on the Database facade), and
 * the fallback when a connection's setting is not what the index expects.
 */
import { openStore, createDatabase, type Store, type Database } from '../../src/db';
import { PgvectorIndex, type PgvectorIndexOptions } from '../../src/db/pgvector.index';
import { randomVectors, runVectorIndexContract } from '../index/vector-index.contract';
import { describePg, pgTestDatabase, type TestDatabase } from './db-targets';

/** The test schema's URL with connections that start with `hnsw.ef_search = ef` (the URL's options replace the adapter's). */
function urlWithSessionEf(url: string, ef: number): string {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? 'public';
  u.searchParams.set('options', `-c search_path="${schema}" ${PgvectorIndex.sessionOptions(ef)}`);
  return u.toString();
}

/** A Database whose facade counts the $transaction calls made through it. */
function countingTransactions(db: Database): { db: Database; transactions: () => number } {
  let n = 0;
  const wrap = <T extends object>(p: T): T =>
    new Proxy(p, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (key === '$transaction' && typeof value === 'function') {
          return (...args: unknown[]) => {
            n++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  const counted: Database = Object.create(db, {
    run: { value: <T>(fn: (p: Database['prisma']) => Promise<T>) => db.run((p) => fn(wrap(p))) },
  }) as Database;
  return { db: counted, transactions: () => n };
}

describePg('PgvectorIndex with hnsw.ef_search on the connection (one statement per search)', () => {
  const EF = 64;
  let tdb: TestDatabase;
  let store: Store;
  let sessionDb: Database;
  let versions = 0;

  beforeAll(async () => {
    tdb = pgTestDatabase();
    store = await openStore(tdb.url); // creates the schema
    sessionDb = createDatabase(urlWithSessionEf(tdb.url, EF), { poolSize: 1 });
  });
  afterAll(async () => {
    await sessionDb?.close();
    await store?.close();
    await tdb?.dispose();
  });

  const open = (db: Database, o: Omit<PgvectorIndexOptions, 'version'> & { version?: string }) =>
    PgvectorIndex.open(db, { M: 16, efConstruction: 64, ef: EF, countCacheMs: 0, version: `s${++versions}`, ...o });

  runVectorIndexContract('PgvectorIndex (ef_search on the connection)', (o) =>
    open(sessionDb, { metric: o.metric, dimension: o.dimension }),
  );

  test('sessionOptions is the startup option for a positive ef, clamped to pgvector’s cap of 1000', () => {
    expect(PgvectorIndex.sessionOptions(100)).toBe('-c hnsw.ef_search=100');
    expect(PgvectorIndex.sessionOptions(5000)).toBe('-c hnsw.ef_search=1000');
    expect(() => PgvectorIndex.sessionOptions(0)).toThrow(RangeError);
  });

  test('a search at the connection’s ef opens no transaction and answers exactly what the per-query transaction answers', async () => {
    const vectors = randomVectors(2000, 16, 7);
    const queries = randomVectors(30, 16, 8);
    const counted = countingTransactions(sessionDb);
    const fast = await open(counted.db, { version: 'same-data', metric: 'euclidean', dimension: 16, deferGraph: true });
    await fast.addMany(vectors.map((vector, label) => ({ label, vector })));
    await fast.ensureGraph();
    // The same table searched the old way: SET LOCAL hnsw.ef_search in a transaction per query.
    const slow = await open(store.db, { version: 'same-data', metric: 'euclidean', dimension: 16, singleStatementSearch: false });

    const before = counted.transactions();
    const fastHits = [];
    for (const q of queries) fastHits.push(await fast.search(q, 10));
    expect(counted.transactions() - before).toBe(0);
    for (let i = 0; i < queries.length; i++) expect(fastHits[i]).toEqual(await slow.search(queries[i], 10));
    expect(fastHits.every((h) => h.length === 10)).toBe(true);
  });

  test('k above the connection’s ef, or an index ef other than the connection’s, runs SET LOCAL in a transaction', async () => {
    const counted = countingTransactions(sessionDb);
    const index = await open(counted.db, { version: 'wide', metric: 'euclidean', dimension: 4 });
    await index.addMany(randomVectors(300, 4, 3).map((vector, label) => ({ label, vector })));
    const t0 = counted.transactions();
    expect(await index.search(randomVectors(1, 4, 4)[0], EF + 36)).toHaveLength(EF + 36);
    expect(counted.transactions() - t0).toBe(1);
    index.ef = EF * 2;
    expect(await index.search(randomVectors(1, 4, 5)[0], 5)).toHaveLength(5);
    expect(counted.transactions() - t0).toBe(2);
    index.ef = EF;
    await index.search(randomVectors(1, 4, 6)[0], 5);
    expect(counted.transactions() - t0).toBe(2);
  });

  test('a connection whose ef_search changed after open: the search notices (the statement reports its setting) and re-runs at the index’s ef', async () => {
    const db = createDatabase(urlWithSessionEf(tdb.url, EF), { poolSize: 1 });
    try {
      const counted = countingTransactions(db);
      const vectors = randomVectors(2000, 16, 11);
      const index = await open(counted.db, { version: 'drift', metric: 'euclidean', dimension: 16, deferGraph: true });
      await index.addMany(vectors.map((vector, label) => ({ label, vector })));
      await index.ensureGraph();
      const reference = await open(store.db, { version: 'drift', metric: 'euclidean', dimension: 16, singleStatementSearch: false });
      // The pool's only connection now searches with ef_search 10 unless told otherwise.
      await db.run((p) => p.$executeRawUnsafe('SET hnsw.ef_search = 10'));
      const q = randomVectors(1, 16, 12)[0];
      const t0 = counted.transactions();
      expect(await index.search(q, 10)).toEqual(await reference.search(q, 10));
      expect(counted.transactions() - t0).toBe(1); // the re-run
      // It now knows the connection's value: later searches go straight to the transaction.
      expect(await index.search(q, 10)).toEqual(await reference.search(q, 10));
      expect(counted.transactions() - t0).toBe(2);
    } finally {
      await db.close();
    }
  });
});
