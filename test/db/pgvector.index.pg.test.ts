/**
 * The pgvector adapter (src/db/pgvector.index.ts) against a real PostgreSQL with the
 * extension installed (scripts/pgvector-setup.sh; .ci/run runs it): the same VectorIndex
 * contract as hnswlib and exact search, then what only a database index does.
 */
import { Client } from 'pg';
import { openStore, createDatabase, type Store } from '../../src/db';
import { PgvectorIndex, type PgvectorIndexOptions } from '../../src/db/pgvector.index';
import { runVectorIndexContract, randomVectors } from '../index/vector-index.contract';
import { describePg, pgTestDatabase, PG_URL, type TestDatabase } from './db-targets';

const v = (...xs: number[]) => Float32Array.from(xs);

describePg('PgvectorIndex (pgvector HNSW in PostgreSQL)', () => {
  let tdb: TestDatabase;
  let store: Store;
  let versions = 0;

  beforeAll(async () => {
    tdb = pgTestDatabase();
    store = await openStore(tdb.url);
  });
  afterAll(async () => {
    await store?.close();
    await tdb?.dispose();
  });

  /** A fresh version (table) per index; countCacheMs 0 so count() always asks the database. */
  const open = (o: Omit<PgvectorIndexOptions, 'version'> & { version?: string }) =>
    PgvectorIndex.open(store.db, { M: 16, efConstruction: 64, ef: 64, countCacheMs: 0, version: `v${++versions}`, ...o });

  runVectorIndexContract('PgvectorIndex', (o) => open({ metric: o.metric, dimension: o.dimension }));

  describe('PgvectorIndex specifics', () => {
    test('the index lives in the database: a second instance (another replica) sees every write, with nothing loaded', async () => {
      const a = await open({ version: 'shared', metric: 'euclidean', dimension: 2 });
      const b = await open({ version: 'shared', metric: 'euclidean', dimension: 2 });
      expect(a.created).toBe(true);
      expect(b.created).toBe(false);
      await a.add(1, v(0, 0));
      await a.add(2, v(3, 4));
      expect(await b.count()).toBe(2);
      expect((await b.search(v(0, 0), 5)).map((h) => [h.label, h.distance])).toEqual([
        [1, 0],
        [2, 5],
      ]);
      expect(await b.remove(1)).toBe(true);
      expect(await a.has(1)).toBe(false);
      expect(await a.labels()).toEqual([2]);
    });

    test('one table per model version, in the metric of the model (HNSW with vector_l2_ops / vector_cosine_ops)', async () => {
      const l2 = await open({ version: 'model-l2', metric: 'euclidean', dimension: 3 });
      const cos = await open({ version: 'model-cos', metric: 'cosine', dimension: 3 });
      expect(l2.table).not.toBe(cos.table);
      const defs = await store.db.run((p) =>
        p.$queryRawUnsafe<Array<{ tablename: string; indexdef: string }>>(
          'SELECT tablename::text AS tablename, indexdef FROM pg_indexes WHERE tablename = ANY($1::text[]) AND indexdef LIKE $2',
          [l2.table, cos.table],
          '%USING hnsw%',
        ),
      );
      const byTable = new Map(defs.map((d) => [d.tablename, d.indexdef]));
      expect(byTable.get(l2.table)).toMatch(/vector_l2_ops/);
      expect(byTable.get(l2.table)).toMatch(/m='?16'?, ef_construction='?64'?/);
      expect(byTable.get(cos.table)).toMatch(/vector_cosine_ops/);
      // Same label in two versions: two different vectors, never mixed.
      await l2.add(1, v(1, 0, 0));
      await cos.add(1, v(0, 1, 0));
      expect((await l2.search(v(1, 0, 0), 1))[0].distance).toBeCloseTo(0, 6);
      expect((await cos.search(v(1, 0, 0), 1))[0].distance).toBeCloseTo(1, 6);
    });

    test('searches go through the HNSW index (EXPLAIN), and k above ef_search’s cap of 1000 still gets k exact hits', async () => {
      const index = await open({ version: 'big', metric: 'euclidean', dimension: 2, deferGraph: true });
      const rows = Array.from({ length: 3000 }, (_, i) => ({ label: i, vector: v(i, 0) }));
      await index.addMany(rows);
      await index.ensureGraph();
      await store.db.run((p) => p.$executeRawUnsafe(`ANALYZE "${index.table}"`));
      const plan = await store.db.run((p) =>
        p.$queryRawUnsafe<Array<{ 'QUERY PLAN': string }>>(
          `EXPLAIN SELECT label FROM "${index.table}" ORDER BY embedding OPERATOR(public.<->) '[5,0]'::public.vector LIMIT 10`,
        ),
      );
      expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(new RegExp(`Index Scan using ${index.table}_hnsw`));
      // From x = 0 along the line, the nearest 1500 are exactly labels 0..1499 at distances 0..1499.
      const hits = await index.search(v(0, 0), 1500);
      expect(hits).toHaveLength(1500);
      hits.forEach((h, i) => expect(h).toEqual({ label: i, distance: i }));
    });

    test('a table left by another model of the same version name (other dimension) is rebuilt, not trusted', async () => {
      const first = await open({ version: 'reused', metric: 'euclidean', dimension: 2 });
      await first.add(1, v(1, 1));
      const second = await open({ version: 'reused', metric: 'euclidean', dimension: 3 });
      expect(second.created).toBe(true);
      expect(await second.count()).toBe(0);
      await second.add(1, v(1, 2, 2));
      expect((await second.search(v(0, 0, 0), 1))[0]).toEqual({ label: 1, distance: 3 });
    });

    test('followEmbeddings: erasing the Embedding row erases the vector in the same transaction, and an add racing an erasure does not resurrect it', async () => {
      const version = 'linked-v1';
      const index = await open({ version, metric: 'euclidean', dimension: 2, followEmbeddings: true });
      const identity = await store.repos.identities.create({ name: 'Ada' });
      const png = (n: number) => ({ bytes: Uint8Array.of(0x89, 0x50, 0x4e, 0x47, n), mimeType: 'image/png', width: 1, height: 1 });
      const added = await store.repos.images.addWithEmbeddings(identity.id, [
        { image: png(1), embedding: { modelVersion: version, vector: v(0, 0) } },
        { image: png(2), embedding: { modelVersion: version, vector: v(1, 0) } },
      ]);
      const [a, b] = added.map((x) => x.embedding!.label);
      await index.add(a, v(0, 0));
      await index.add(b, v(1, 0));
      expect(await index.count()).toBe(2);

      // Erasure in the database only (as if the process died before touching the index).
      await store.repos.images.delete(added[0].image.id);
      expect(await index.has(a)).toBe(false);
      expect((await index.search(v(0, 0), 5)).map((h) => h.label)).toEqual([b]);

      // An enrollment's add arriving after the erasure committed: refused by the key, silently.
      await index.add(a, v(0, 0));
      await index.addMany([
        { label: a, vector: v(0, 0) },
        { label: b, vector: v(2, 0) },
      ]);
      expect(await index.labels()).toEqual([b]);
      expect((await index.search(v(0, 0), 5))[0]).toEqual({ label: b, distance: 2 });
    });

    test('the vector table holds the vectors, the process nothing: a fresh instance with an empty cache answers the same', async () => {
      const data = randomVectors(300, 8, 5);
      const writer = await open({ version: 'cold', metric: 'cosine', dimension: 8 });
      await writer.addMany(data.map((vector, label) => ({ label, vector })));
      const q = randomVectors(1, 8, 6)[0];
      const before = await writer.search(q, 10);
      const reader = await open({ version: 'cold', metric: 'cosine', dimension: 8 });
      expect(reader.size).toBe(300); // read at open
      expect(await reader.search(q, 10)).toEqual(before);
    });
  });
});

describePg('PgvectorIndex without the extension', () => {
  test('opening explains how to install pgvector', async () => {
    const name = `siamese_novector_${process.pid}`;
    const admin = new Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      // template0: a database without the extension (scripts/pgvector-setup.sh adds it to template1).
      await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
      const url = new URL(PG_URL!);
      url.pathname = `/${name}`;
      const db = createDatabase(url.toString());
      try {
        await expect(PgvectorIndex.open(db, { version: 'x', metric: 'euclidean', dimension: 2 })).rejects.toThrow(
          /pgvector extension is not installed.*scripts\/pgvector-setup\.sh/,
        );
      } finally {
        await db.close();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    }
  });
});
