import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExactIndex } from '../index/exact.index';
import { HnswIndex } from '../index/hnsw.index';
import { exactTopK } from './exact-truth';
import { binaryCopyPayload, copyIn } from './pg-copy';
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
 *   queries; the exact top-10 comes from a blocked exact scan (exact-truth.ts,
 *   same order as ExactIndex), computed once per data set and shared with the
 *   pgvector rows, which therefore search the very same vectors and queries.
 * - Load: os.loadavg() (1-minute) before the build and after the sweep, on
 *   every row: the machine is shared, figures are only comparable within a run.
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
  recallQueries: (n) => (n >= 1_000_000 ? 1000 : 200),
  queryBudgetMs: 1500,
  targetRecall: 0.98,
  seed: 20261128,
};

export interface EfPoint {
  ef: number;
  qps: number;
  recallAt10: number;
}

/** 1-minute load averages around a measurement (the 2 cores are shared). */
export interface LoadAround {
  start: number;
  end: number;
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
  /** Queries with exact ground truth (recall@10 is averaged over these). */
  recallQueries: number;
  /** Seconds the blocked exact scan took for the ground truth (shared with pgvector). */
  truthSec: number;
  sweep: EfPoint[];
  /** The smallest ef of the sweep reaching the target recall (else the best recall). */
  chosen: EfPoint;
  targetRecall: number;
  loadavg: LoadAround;
}

interface Dataset {
  data: Float32Array;
  queries: Float32Array;
  /** Exact top-10 labels of the first recallQueries(n) queries, once computed. */
  truth?: { sets: Set<number>[]; sec: number };
}

/**
 * Vectors, queries and exact top-10 per (dataset, n): generated once and reused by the
 * pgvector rows of the same size (run-bench runs hnswlib first). ~0.5 GB at 1M. The
 * vectors are a pure function of the seed, so a separate process gets the same ones.
 */
const datasets = new Map<string, Dataset>();

function vectorsFor(n: number, o: IndexBenchOptions): Dataset {
  const key = `${o.dataset}:${n}:${o.dimension}:${o.seed}`;
  const cached = datasets.get(key);
  if (cached) return cached;
  const dim = o.dimension;
  const nq = Math.max(o.queries, o.recallQueries(n));
  const data = o.dataset === 'uniform' ? uniformVectors(n, dim, o.seed + n) : clusteredVectors(n, dim, PER_CLUSTER, SPREAD, o.seed + n);
  const queries =
    o.dataset === 'uniform' ? uniformVectors(nq, dim, o.seed + 1) : clusteredQueries(nq, n, dim, PER_CLUSTER, SPREAD, o.seed + n);
  const ds: Dataset = { data, queries };
  datasets.set(key, ds);
  return ds;
}

/** The exact top-10 of the recall queries (blocked scan, exact-truth.ts), computed on first use. */
function truthFor(n: number, o: IndexBenchOptions, log: (m: string) => void): { sets: Set<number>[]; sec: number } {
  const ds = vectorsFor(n, o);
  if (ds.truth) return ds.truth;
  const nr = o.recallQueries(n);
  const t0 = performance.now();
  let lastLog = t0;
  const top = exactTopK(ds.data, ds.queries, nr, o.dimension, 10, (done, total, sec) => {
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now();
      log(`  exact ${o.dataset} ${n}: ${done}/${total} queries, ${sec.toFixed(0)} s (load ${os.loadavg()[0].toFixed(1)})`);
    }
  });
  const sec = (performance.now() - t0) / 1000;
  log(`  exact ${o.dataset} ${n}: top-10 of ${nr} queries in ${sec.toFixed(1)} s (load ${os.loadavg()[0].toFixed(1)})`);
  ds.truth = { sets: top.map((labels) => new Set(labels)), sec };
  return ds.truth;
}

export function runIndexBenchForSize(n: number, o: IndexBenchOptions, log: (m: string) => void = () => {}): IndexSizeResult {
  const dim = o.dimension;
  const { data, queries } = vectorsFor(n, o);
  const nq = queries.length / dim;
  const row = (m: Float32Array, i: number) => m.subarray(i * dim, (i + 1) * dim);

  global.gc?.();
  const load0 = os.loadavg()[0];
  const rss0 = process.memoryUsage().rss;
  const index = new HnswIndex({ metric: 'euclidean', dimension: dim, M: o.M, efConstruction: o.efConstruction, initialCapacity: n });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    index.add(i, row(data, i));
    if (i > 0 && i % 100_000 === 0) {
      log(
        `  index ${o.dataset} ${n}: ${i} inserted, ${((performance.now() - t0) / 1000).toFixed(0)} s (load ${os.loadavg()[0].toFixed(1)})`,
      );
    }
  }
  const buildSec = (performance.now() - t0) / 1000;
  const rssBytesPerVector = Math.max(0, process.memoryUsage().rss - rss0) / n;
  const fileBytesPerVector = savedBytes(index) / n;
  log(
    `  index ${o.dataset} ${n}: built in ${buildSec.toFixed(1)} s, ${rssBytesPerVector.toFixed(0)} B/vec RSS, ` +
      `${fileBytesPerVector.toFixed(0)} B/vec file (load ${load0.toFixed(1)} → ${os.loadavg()[0].toFixed(1)})`,
  );

  const { sets: truth, sec: truthSec } = truthFor(n, o, log);
  // ExactIndex's own speed (the SIAMESE_INDEX=exact answer time), on a time-bounded sample.
  const nr = truth.length;
  const exact = new ExactIndex({ metric: 'euclidean', dimension: dim, initialCapacity: n });
  for (let i = 0; i < n; i++) exact.add(i, row(data, i));
  const te = performance.now();
  let exactDone = 0;
  while (exactDone < nr && (exactDone < 5 || performance.now() - te < 3000)) exact.search(row(queries, exactDone++), 10);
  const exactQps = exactDone / ((performance.now() - te) / 1000);

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
    log(
      `  index ${o.dataset} ${n}: ef ${ef} → ${qps.toFixed(0)} q/s, recall@10 ${recallAt10.toFixed(4)} (load ${os.loadavg()[0].toFixed(1)})`,
    );
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
    recallQueries: nr,
    truthSec,
    sweep,
    chosen,
    targetRecall: o.targetRecall,
    loadavg: { start: load0, end: os.loadavg()[0] },
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
 * pgvector beside hnswlib (issue 18): the same uniform vectors, queries and exact
 * top-10 as `runIndexBenchForSize` (shared through the data-set cache), in a
 * PostgreSQL table with pgvector's HNSW index (src/db/pgvector.index.ts, the
 * SIAMESE_INDEX=pgvector adapter), same M and efConstruction, euclidean (vector_l2_ops).
 *
 * - Build: rows loaded with binary COPY in batches of 50 000 (pg-copy.ts; the service's
 *   own first load uses multi-row INSERTs through addMany, ~7× slower to load at 100k),
 *   then CREATE INDEX … USING hnsw through PgvectorIndex.ensureGraph with
 *   maintenance_work_mem sized for the graph (4GB) and max_parallel_maintenance_workers 1
 *   (leader + 1 worker = the 2 cores). Load and graph times are reported apart, with a
 *   progress line from pg_stat_progress_create_index every 30 s.
 * - Memory: pg_total_relation_size of the table (heap + TOAST + primary key + HNSW index)
 *   per vector, and the HNSW index alone: what the database keeps on disk and caches in
 *   shared buffers. The Node process holds nothing of it (that is the point).
 * - Queries/s: k = 10 through PgvectorIndex.search, one at a time, client round trips
 *   included. `qps`: connections started with hnsw.ef_search = ef (one statement per
 *   query, the adapter's path when the pool carries PgvectorIndex.sessionOptions);
 *   `qpsPerQueryTransaction`: BEGIN, SET LOCAL hnsw.ef_search, SELECT, COMMIT per query
 *   (the adapter's path before, and still its path when the connection's ef differs).
 * - Recall@10 against the shared exact top-10, through the one-statement path.
 */
export interface PgvectorEfPoint extends EfPoint {
  /** q/s with a short transaction per query (SET LOCAL hnsw.ef_search): the path before connection-level ef_search. */
  qpsPerQueryTransaction: number;
}

export interface PgvectorSizeResult {
  n: number;
  dimension: number;
  M: number;
  efConstruction: number;
  loadMethod: 'copy-binary';
  loadSec: number;
  graphSec: number;
  buildSec: number;
  maintenanceWorkMem: string;
  parallelMaintenanceWorkers: number;
  relationBytesPerVector: number;
  /** The HNSW index relation alone. */
  hnswBytesPerVector: number;
  recallQueries: number;
  sweep: PgvectorEfPoint[];
  chosen: PgvectorEfPoint;
  targetRecall: number;
  loadavg: { load: LoadAround; graph: LoadAround; sweep: LoadAround };
  server: { version: string; sharedBuffers: string };
}

/** maintenance_work_mem for the bench's CREATE INDEX: a 1M × 128-d graph needs ~1.3 GB; room to spare on a 24 GB machine. */
const BENCH_MAINTENANCE_WORK_MEM = '4GB';
/** Leader + 1 worker: the 2 cores of the machine the bench was sized for. */
const BENCH_PARALLEL_MAINTENANCE_WORKERS = 1;
const COPY_BATCH = 50_000;
const PROGRESS_EVERY_MS = 30_000;

export async function runPgvectorBenchForSize(
  n: number,
  o: IndexBenchOptions,
  databaseUrl: string,
  log: (m: string) => void = () => {},
): Promise<PgvectorSizeResult> {
  // Lazy: only this part loads Prisma and the PostgreSQL client.
  const { createDatabase } = await import('../db/database');
  const { PgvectorIndex } = await import('../db/pgvector.index');
  const { Client } = await import('pg');
  const dim = o.dimension;
  const uniform = { ...o, dataset: 'uniform' as const };
  const { data, queries } = vectorsFor(n, uniform);
  const nq = queries.length / dim;
  const row = (m: Float32Array, i: number) => m.subarray(i * dim, (i + 1) * dim);

  // The bench sets search_path and ef_search in the startup options and drops its schema afterwards: behind a
  // transaction pooler neither holds (db/pooler.ts), so it measures PostgreSQL itself.
  if (new URL(databaseUrl).searchParams.get('pgbouncer') === 'true') {
    throw new Error('the pgvector bench needs a direct PostgreSQL URL, not one through a transaction pooler (pgbouncer=true)');
  }
  // A schema of its own, dropped afterwards: the bench never touches application tables.
  const schema = `siamese_bench_${process.pid}`;
  const urlFor = (efSearch?: number) => {
    const url = new URL(databaseUrl);
    url.searchParams.set('schema', schema);
    // pg lets the URL's `options` replace the adapter's, so it repeats the search_path.
    if (efSearch !== undefined) url.searchParams.set('options', `-c search_path="${schema}" ${PgvectorIndex.sessionOptions(efSearch)}`);
    return url.toString();
  };
  const plain = new URL(databaseUrl);
  plain.searchParams.delete('schema');
  const db = createDatabase(urlFor(), { poolSize: 1 });
  const side = new Client({ connectionString: plain.toString() });
  await side.connect();
  const version = `bench-${n}`;
  const indexOptions = {
    version,
    metric: 'euclidean' as const,
    dimension: dim,
    M: o.M,
    efConstruction: o.efConstruction,
    deferGraph: true,
    maintenanceWorkMem: BENCH_MAINTENANCE_WORK_MEM,
    parallelMaintenanceWorkers: BENCH_PARALLEL_MAINTENANCE_WORKERS,
  };
  try {
    await db.run((p) => p.$executeRawUnsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`));
    const [server] = (
      await side.query<{ version: string; shared_buffers: string }>(
        'SELECT current_setting($1) AS version, current_setting($2) AS shared_buffers',
        ['server_version', 'shared_buffers'],
      )
    ).rows;
    const index = await PgvectorIndex.open(db, { ...indexOptions, singleStatementSearch: false });
    const qualified = `"${schema}"."${index.table}"`;

    const load0 = os.loadavg()[0];
    const t0 = performance.now();
    let lastLog = t0;
    for (let i = 0; i < n; i += COPY_BATCH) {
      await copyIn(side, qualified, binaryCopyPayload(data, dim, i, Math.min(n, i + COPY_BATCH)));
      if (performance.now() - lastLog > PROGRESS_EVERY_MS) {
        lastLog = performance.now();
        log(`  pgvector ${n}: ${Math.min(n, i + COPY_BATCH)} rows copied, ${((lastLog - t0) / 1000).toFixed(0)} s`);
      }
    }
    const loadSec = (performance.now() - t0) / 1000;
    const load1 = os.loadavg()[0];
    log(`  pgvector ${n}: ${n} rows loaded (binary COPY) in ${loadSec.toFixed(1)} s (load ${load0.toFixed(1)} → ${load1.toFixed(1)})`);

    const t1 = performance.now();
    const progress = setInterval(() => {
      side
        .query<{ phase: string; tuples_done: string; tuples_total: string }>(
          'SELECT phase, tuples_done, tuples_total FROM pg_stat_progress_create_index WHERE relid = to_regclass($1)',
          [qualified],
        )
        .then(({ rows: [p] }) => {
          const sec = ((performance.now() - t1) / 1000).toFixed(0);
          if (p)
            log(
              `  pgvector ${n}: CREATE INDEX ${p.phase}, ${p.tuples_done}/${p.tuples_total} tuples, ${sec} s (load ${os.loadavg()[0].toFixed(1)})`,
            );
        })
        .catch(() => undefined);
    }, PROGRESS_EVERY_MS);
    try {
      await index.ensureGraph();
    } finally {
      clearInterval(progress);
    }
    const graphSec = (performance.now() - t1) / 1000;
    const load2 = os.loadavg()[0];
    const [sizes] = (
      await side.query<{ total: string; hnsw: string }>(
        'SELECT pg_total_relation_size(to_regclass($1)) AS total, pg_relation_size(to_regclass($2)) AS hnsw',
        [qualified, `"${schema}"."${index.table}_hnsw"`],
      )
    ).rows;
    const relationBytesPerVector = Number(sizes.total) / n;
    const hnswBytesPerVector = Number(sizes.hnsw) / n;
    log(
      `  pgvector ${n}: HNSW built in ${graphSec.toFixed(1)} s (maintenance_work_mem ${BENCH_MAINTENANCE_WORK_MEM}, ` +
        `${BENCH_PARALLEL_MAINTENANCE_WORKERS} parallel worker; load ${load1.toFixed(1)} → ${load2.toFixed(1)}); ` +
        `${relationBytesPerVector.toFixed(0)} B/vec table+indexes, ${hnswBytesPerVector.toFixed(0)} B/vec HNSW`,
    );

    // The ground truth after the build (a separate process may be building hnswlib meanwhile).
    const truth = truthFor(n, uniform, log).sets;
    const nr = truth.length;
    const timeQueries = async (search: (q: Float32Array) => Promise<unknown>) => {
      const ts = performance.now();
      let done = 0;
      while (done < o.queries && (done < 200 || performance.now() - ts < o.queryBudgetMs)) {
        await search(row(queries, done % nq));
        done++;
      }
      return done / ((performance.now() - ts) / 1000);
    };
    const sweep: PgvectorEfPoint[] = [];
    // pgvector caps hnsw.ef_search at 1000.
    for (const ef of o.efs.filter((e) => e <= 1000)) {
      // Connections that start with this ef_search: the one-statement path.
      const sessionDb = createDatabase(urlFor(ef), { poolSize: 1 });
      try {
        const atEf = await PgvectorIndex.open(sessionDb, { ...indexOptions, ef });
        let found = 0;
        for (let q = 0; q < nr; q++) for (const h of await atEf.search(row(queries, q), 10)) if (truth[q].has(h.label)) found++;
        const recallAt10 = found / (nr * 10);
        const qps = await timeQueries((q) => atEf.search(q, 10));
        index.ef = ef;
        const qpsPerQueryTransaction = await timeQueries((q) => index.search(q, 10));
        sweep.push({ ef, qps, recallAt10, qpsPerQueryTransaction });
        log(
          `  pgvector ${n}: ef ${ef} → ${qps.toFixed(0)} q/s one statement, ${qpsPerQueryTransaction.toFixed(0)} q/s ` +
            `transaction per query, recall@10 ${recallAt10.toFixed(4)} (load ${os.loadavg()[0].toFixed(1)})`,
        );
        if (recallAt10 >= 0.999) break;
      } finally {
        await sessionDb.close();
      }
    }
    const chosen =
      sweep.find((p) => p.recallAt10 >= o.targetRecall) ?? sweep.reduce((best, p) => (p.recallAt10 > best.recallAt10 ? p : best));
    return {
      n,
      dimension: dim,
      M: o.M,
      efConstruction: o.efConstruction,
      loadMethod: 'copy-binary',
      loadSec,
      graphSec,
      buildSec: loadSec + graphSec,
      maintenanceWorkMem: BENCH_MAINTENANCE_WORK_MEM,
      parallelMaintenanceWorkers: BENCH_PARALLEL_MAINTENANCE_WORKERS,
      relationBytesPerVector,
      hnswBytesPerVector,
      recallQueries: nr,
      sweep,
      chosen,
      targetRecall: o.targetRecall,
      loadavg: { load: { start: load0, end: load1 }, graph: { start: load1, end: load2 }, sweep: { start: load2, end: os.loadavg()[0] } },
      server: { version: server.version, sharedBuffers: server.shared_buffers },
    };
  } finally {
    await side.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await side.end().catch(() => undefined);
    await db.close();
  }
}
