import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExactIndex } from '../index/exact.index';
import { HnswIndex } from '../index/hnsw.index';
import { clusteredQueries, clusteredVectors, uniformVectors } from './rng';

/**
 * HNSW at scale on random vectors, uniform in [0,1)^128: build time, memory
 * per vector, single-thread queries/s and recall@10 against exact search, for
 * a sweep of query-time ef. Uniform random vectors have no cluster structure,
 * which makes them the hardest case for a graph index (real embeddings are far
 * kinder): these numbers are a floor, reported as measured.
 *
 * - Build: labels 0…n−1 inserted one by one through HnswIndex.add (the
 *   service's path, including the Float32Array → array copy).
 * - Memory: growth of the process RSS across the build divided by n (includes
 *   hnswlib's graph, vectors, label map, locks and the JS label set), and the
 *   saved file's bytes per vector.
 * - Queries/s: k = 10 through HnswIndex.search, one at a time on this thread.
 * - Recall@10: |HNSW top-10 ∩ exact top-10| / 10 averaged over the recall
 *   queries; the exact top-10 comes from ExactIndex (metric.ts distances).
 */
export type IndexDataset = 'uniform' | 'clustered';

/** Clustered data: 10 images per identity, noise of norm 0.6 around unit centres (see rng.ts). */
const PER_CLUSTER = 10;
const SPREAD = 0.6;

export interface IndexBenchOptions {
  sizes: number[];
  dataset: IndexDataset;
  dimension: number;
  M: number;
  efConstruction: number;
  efs: number[];
  /** Timed queries per ef (fewer when the time budget per ef runs out). */
  queries: number;
  /** Queries with exact ground truth (fewer at 1M: each costs a full scan). */
  recallQueries: (n: number) => number;
  /** Time budget of the timed queries of one ef. */
  queryBudgetMs: number;
  /** Target recall@10 for choosing ef. */
  targetRecall: number;
  seed: number;
}

export const INDEX_BENCH_DEFAULTS: IndexBenchOptions = {
  sizes: [10_000, 100_000],
  dataset: 'uniform',
  dimension: 128,
  M: 16,
  efConstruction: 200,
  efs: [10, 16, 32, 64, 128, 256, 512, 1024],
  queries: 5000,
  recallQueries: (n) => (n >= 1_000_000 ? 100 : 200),
  queryBudgetMs: 1500,
  targetRecall: 0.98,
  seed: 20261128,
};

export interface EfPoint {
  ef: number;
  qps: number;
  recallAt10: number;
}

export interface IndexSizeResult {
  dataset: IndexDataset;
  n: number;
  dimension: number;
  M: number;
  efConstruction: number;
  buildSec: number;
  insertsPerSec: number;
  rssBytesPerVector: number;
  fileBytesPerVector: number;
  exactQps: number;
  sweep: EfPoint[];
  /** The smallest ef of the sweep reaching the target recall (else the best recall). */
  chosen: EfPoint;
  targetRecall: number;
}

export function runIndexBenchForSize(n: number, o: IndexBenchOptions, log: (m: string) => void = () => {}): IndexSizeResult {
  const dim = o.dimension;
  const nq = Math.max(o.queries, o.recallQueries(n));
  const data = o.dataset === 'uniform' ? uniformVectors(n, dim, o.seed + n) : clusteredVectors(n, dim, PER_CLUSTER, SPREAD, o.seed + n);
  const queries =
    o.dataset === 'uniform' ? uniformVectors(nq, dim, o.seed + 1) : clusteredQueries(nq, n, dim, PER_CLUSTER, SPREAD, o.seed + n);
  const row = (m: Float32Array, i: number) => m.subarray(i * dim, (i + 1) * dim);

  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const index = new HnswIndex({ metric: 'euclidean', dimension: dim, M: o.M, efConstruction: o.efConstruction, initialCapacity: n });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    index.add(i, row(data, i));
    if (i > 0 && i % 100_000 === 0) log(`  index ${o.dataset} ${n}: ${i} inserted, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const buildSec = (performance.now() - t0) / 1000;
  const rssBytesPerVector = Math.max(0, process.memoryUsage().rss - rss0) / n;
  const fileBytesPerVector = savedBytes(index) / n;
  log(`  index ${o.dataset} ${n}: built in ${buildSec.toFixed(1)} s`);

  // Exact ground truth.
  const exact = new ExactIndex({ metric: 'euclidean', dimension: dim, initialCapacity: n });
  for (let i = 0; i < n; i++) exact.add(i, row(data, i));
  const nr = o.recallQueries(n);
  const te = performance.now();
  const truth = Array.from({ length: nr }, (_, q) => new Set(exact.search(row(queries, q), 10).map((h) => h.label)));
  const exactQps = nr / ((performance.now() - te) / 1000);

  const sweep: EfPoint[] = [];
  for (const ef of o.efs) {
    index.ef = ef;
    let found = 0;
    for (let q = 0; q < nr; q++) for (const h of index.search(row(queries, q), 10)) if (truth[q].has(h.label)) found++;
    const recallAt10 = found / (nr * 10);
    const ts = performance.now();
    let done = 0;
    while (done < o.queries && (done < 200 || performance.now() - ts < o.queryBudgetMs)) {
      index.search(row(queries, done % nq), 10);
      done++;
    }
    const qps = done / ((performance.now() - ts) / 1000);
    sweep.push({ ef, qps, recallAt10 });
    log(`  index ${o.dataset} ${n}: ef ${ef} → ${qps.toFixed(0)} q/s, recall@10 ${recallAt10.toFixed(4)}`);
    if (recallAt10 >= 0.999) break; // larger ef only costs speed
  }
  const chosen =
    sweep.find((p) => p.recallAt10 >= o.targetRecall) ?? sweep.reduce((best, p) => (p.recallAt10 > best.recallAt10 ? p : best));
  return {
    dataset: o.dataset,
    n,
    dimension: dim,
    M: o.M,
    efConstruction: o.efConstruction,
    buildSec,
    insertsPerSec: n / buildSec,
    rssBytesPerVector,
    fileBytesPerVector,
    exactQps,
    sweep,
    chosen,
    targetRecall: o.targetRecall,
  };
}

function savedBytes(index: HnswIndex): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-bench-'));
  try {
    const file = path.join(dir, 'bench.hnsw');
    index.writeTo(file);
    return fs.statSync(file).size;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * pgvector beside hnswlib (issue 18): the same uniform vectors and queries as
 * `runIndexBenchForSize`, in a PostgreSQL table with pgvector's HNSW index
 * (src/db/pgvector.index.ts, the SIAMESE_INDEX=pgvector adapter), same M and
 * efConstruction, euclidean (vector_l2_ops).
 *
 * - Build: rows loaded in batches of 5000 through PgvectorIndex.addMany (multi-row
 *   INSERTs), then CREATE INDEX … USING hnsw (maintenance_work_mem 2GB so the graph
 *   is built in memory, PostgreSQL's default parallel maintenance workers): the way
 *   the service fills a new version's table. Load and graph times are reported apart.
 * - Memory: pg_total_relation_size of the table (heap + TOAST + primary key + HNSW
 *   index) per vector: what the database keeps on disk and caches in shared buffers.
 *   The Node process holds nothing of it (that is the point), so no RSS figure.
 * - Queries/s: k = 10 through PgvectorIndex.search, one at a time (one short
 *   transaction each: SET LOCAL hnsw.ef_search + the ORDER BY … LIMIT query), so
 *   it includes the client round trips a replica pays.
 * - Recall@10 against the exact top-10 (ExactIndex, metric.ts distances).
 */
export interface PgvectorSizeResult {
  n: number;
  dimension: number;
  M: number;
  efConstruction: number;
  loadSec: number;
  graphSec: number;
  buildSec: number;
  relationBytesPerVector: number;
  sweep: EfPoint[];
  chosen: EfPoint;
  targetRecall: number;
}

export async function runPgvectorBenchForSize(
  n: number,
  o: IndexBenchOptions,
  databaseUrl: string,
  log: (m: string) => void = () => {},
): Promise<PgvectorSizeResult> {
  // Lazy: only this part loads Prisma and the PostgreSQL client.
  const { createDatabase } = await import('../db/database');
  const { PgvectorIndex } = await import('../db/pgvector.index');
  const dim = o.dimension;
  const nq = Math.max(o.queries, o.recallQueries(n));
  const data = uniformVectors(n, dim, o.seed + n);
  const queries = uniformVectors(nq, dim, o.seed + 1);
  const row = (m: Float32Array, i: number) => m.subarray(i * dim, (i + 1) * dim);

  // A schema of its own, dropped afterwards: the bench never touches application tables.
  const schema = `siamese_bench_${process.pid}`;
  const url = new URL(databaseUrl);
  url.searchParams.set('schema', schema);
  const db = createDatabase(url.toString(), { poolSize: 2 });
  try {
    await db.run((p) => p.$executeRawUnsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`));
    const index = await PgvectorIndex.open(db, {
      version: `bench-${n}`,
      metric: 'euclidean',
      dimension: dim,
      M: o.M,
      efConstruction: o.efConstruction,
      deferGraph: true,
      maintenanceWorkMem: '2GB',
    });
    const t0 = performance.now();
    const BATCH = 5000;
    for (let i = 0; i < n; i += BATCH) {
      const rows = [];
      for (let j = i; j < Math.min(n, i + BATCH); j++) rows.push({ label: j, vector: row(data, j) });
      await index.addMany(rows);
    }
    const loadSec = (performance.now() - t0) / 1000;
    log(`  pgvector ${n}: loaded in ${loadSec.toFixed(1)} s`);
    const t1 = performance.now();
    await index.ensureGraph();
    const graphSec = (performance.now() - t1) / 1000;
    log(`  pgvector ${n}: HNSW built in ${graphSec.toFixed(1)} s`);
    const relationBytesPerVector = (await index.relationBytes()) / n;

    const exact = new ExactIndex({ metric: 'euclidean', dimension: dim, initialCapacity: n });
    for (let i = 0; i < n; i++) exact.add(i, row(data, i));
    const nr = o.recallQueries(n);
    const truth = Array.from({ length: nr }, (_, q) => new Set(exact.search(row(queries, q), 10).map((h) => h.label)));

    const sweep: EfPoint[] = [];
    // pgvector caps hnsw.ef_search at 1000.
    for (const ef of o.efs.filter((e) => e <= 1000)) {
      index.ef = ef;
      let found = 0;
      for (let q = 0; q < nr; q++) for (const h of await index.search(row(queries, q), 10)) if (truth[q].has(h.label)) found++;
      const recallAt10 = found / (nr * 10);
      const ts = performance.now();
      let done = 0;
      while (done < o.queries && (done < 200 || performance.now() - ts < o.queryBudgetMs)) {
        await index.search(row(queries, done % nq), 10);
        done++;
      }
      const qps = done / ((performance.now() - ts) / 1000);
      sweep.push({ ef, qps, recallAt10 });
      log(`  pgvector ${n}: ef ${ef} → ${qps.toFixed(0)} q/s, recall@10 ${recallAt10.toFixed(4)}`);
      if (recallAt10 >= 0.999) break;
    }
    const chosen =
      sweep.find((p) => p.recallAt10 >= o.targetRecall) ?? sweep.reduce((best, p) => (p.recallAt10 > best.recallAt10 ? p : best));
    return {
      n,
      dimension: dim,
      M: o.M,
      efConstruction: o.efConstruction,
      loadSec,
      graphSec,
      buildSec: loadSec + graphSec,
      relationBytesPerVector,
      sweep,
      chosen,
      targetRecall: o.targetRecall,
    };
  } finally {
    await db.run((p) => p.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).catch(() => undefined);
    await db.close();
  }
}
