import * as crypto from 'crypto';
import type { Metric } from '../metric/metric';
import type { LabelledVector, SearchHit, VectorIndex } from '../index/vector-index';
import { checkK, checkLabel, checkVector } from '../index/vector-checks';
import type { Database } from './database';

/**
 * The VectorIndex port on pgvector's HNSW, inside PostgreSQL (SIAMESE_INDEX=pgvector).
 * The index lives in the database, so every replica searches the same one and holds
 * no index state of its own: nothing to load at start, nothing to save, no change
 * feed to follow. It sits in db/ (it needs a connection) and imports only the port's
 * types and argument checks from index/.
 *
 * Layout: ONE TABLE PER MODEL VERSION, `siamese_vectors_<sha256(version)[0..16]>`, in the
 * schema the Prisma tables live in (the connection's search_path):
 *   label bigint PRIMARY KEY, embedding vector(dim) NOT NULL, model_version text NOT NULL
 * with an HNSW index in the model's metric: vector_l2_ops (`<->`, the euclidean distance
 * itself, not its square) or vector_cosine_ops (`<=>`, 1 − cos), so distances mean what
 * src/metric/metric.ts says with no conversion. A table per version (not one table with
 * a partial index per version) because an HNSW column needs a fixed dimension and two
 * model versions may differ in it; dropping a version is one DROP TABLE. Tables are
 * created at run time by `open` (they are derived data, like the hnswlib files, and
 * their name depends on data: a Prisma migration cannot know them). The table comment
 * records version, metric and dimension; a table whose comment disagrees is dropped and
 * recreated (the sidecar check of the file index).
 *
 * `followEmbeddings` (the service uses it) adds a foreign key (model_version, label) →
 * "Embedding"("modelVersion", label) ON DELETE CASCADE: an erasure deletes the vector in
 * the SAME transaction that deletes the Embedding row (nothing to repair after a crash
 * between the two), and an enrollment's insert that races an erasure of the same image
 * fails the key check instead of resurrecting the erased vector (`add` then does nothing).
 * The contract tests run without it (labels there have no Embedding rows).
 *
 * The `vector` type and operators are qualified with the extension's schema (looked up
 * once): the connection's search_path holds only the application schema (database.ts).
 *
 * Searches: ORDER BY distance LIMIT k with hnsw.ef_search = min(1000, max(efSearch, k))
 * (pgvector's cap is 1000). When the connections already carry that value (started with
 * `PgvectorIndex.sessionOptions(ef)`, i.e. `-c hnsw.ef_search=N`), a search is ONE
 * statement, one round trip; the statement returns the setting it ran with, and a
 * mismatch (a connection set up otherwise) is re-run the slow way, so an answer never
 * comes from another ef. Otherwise (k above the connection's ef, a pool without the
 * option, the bench's ef sweep) it is a short transaction: BEGIN, SET LOCAL
 * hnsw.ef_search, SELECT, COMMIT (measured at 100k: see docs/replicas/pgvector.md). An
 * HNSW scan returns at most ef_search rows, so for k > 1000 the index scan is switched
 * off and PostgreSQL sorts exactly (k that large is the search service widening to the
 * whole gallery). Results
 * are re-sorted by (distance, label) so ties never depend on the graph. A zero vector
 * has no cosine direction: pgvector leaves it out of a cosine HNSW index and gives NaN
 * for its distance; we report 1 (metric.ts's value) when a sequential scan meets one.
 *
 * Counts: `count()` is a query (count(*) over the primary key), cached for
 * `countCacheMs` (default 1000 ms; this process's own writes adjust the cached value):
 * the search service reads it once per search for the gallery size. `size` is the
 * cached value without I/O.
 */
export interface PgvectorIndexOptions {
  /** ModelVersion.version whose vectors this index holds. */
  version: string;
  metric: Metric;
  dimension: number;
  /** HNSW graph degree (pgvector `m`). */
  M?: number;
  /** Candidate list while building (pgvector `ef_construction`). */
  efConstruction?: number;
  /** Candidate list while searching (raised to k, capped at 1000). */
  ef?: number;
  /** Link rows to "Embedding" (foreign key, ON DELETE CASCADE): see the file comment. */
  followEmbeddings?: boolean;
  /**
   * Create the HNSW index only after loading (`ensureGraph`): a bulk load into a plain
   * table followed by CREATE INDEX is several times faster than inserting into the graph.
   */
  deferGraph?: boolean;
  /** maintenance_work_mem for CREATE INDEX (the graph should fit in it; default '1GB'). */
  maintenanceWorkMem?: string;
  /**
   * max_parallel_maintenance_workers for CREATE INDEX (default: the server's setting). Workers
   * beyond the machine's free cores only add contention (the bench uses 1 on 2 cores).
   */
  parallelMaintenanceWorkers?: number;
  /**
   * false: every search is a short transaction with SET LOCAL hnsw.ef_search, even when the
   * connection already has the right value (the bench's before/after comparison). Default true.
   */
  singleStatementSearch?: boolean;
  countCacheMs?: number;
}

export const PGVECTOR_DEFAULTS = { M: 16, efConstruction: 200, ef: 100, maintenanceWorkMem: '1GB', countCacheMs: 1000 } as const;

/** pgvector's limit on hnsw.ef_search. */
const MAX_EF_SEARCH = 1000;
/** Rows per INSERT statement in addMany (3 parameters each, well under PostgreSQL's 65 535). */
const INSERT_BATCH = 500;
const FOREIGN_KEY_VIOLATION = '23503';
/** CREATE INDEX of a large table (a new model version's first load): hours would mean something is wrong. */
const GRAPH_BUILD_TIMEOUT_MS = 2 * 60 * 60 * 1000;

interface TableMeta {
  version: string;
  metric: Metric;
  dimension: number;
}

export class PgvectorIndex implements VectorIndex {
  readonly kind = 'pgvector' as const;
  readonly metric: Metric;
  readonly dimension: number;
  readonly version: string;
  readonly table: string;
  readonly M: number;
  readonly efConstruction: number;
  private efSearch: number;
  private cachedCount = 0;
  private countReadAt = -Infinity;
  private readonly countCacheMs: number;
  private readonly maintenanceWorkMem: string;
  private readonly parallelMaintenanceWorkers: number | undefined;
  private readonly singleStatementSearch: boolean;
  /** hnsw.ef_search the pooled connections start with (sessionOptions), as last seen; null: unknown/none. */
  private sessionEfSearch: number | null = null;

  private constructor(
    private readonly db: Database,
    /** The extension's schema, quoted: `"public"`. */
    private readonly ext: string,
    options: PgvectorIndexOptions,
    /** Whether `open` created the table (nothing was there for this version). */
    readonly created: boolean,
  ) {
    this.version = options.version;
    this.metric = options.metric;
    this.dimension = options.dimension;
    this.table = PgvectorIndex.tableName(options.version);
    this.M = options.M ?? PGVECTOR_DEFAULTS.M;
    this.efConstruction = options.efConstruction ?? PGVECTOR_DEFAULTS.efConstruction;
    this.efSearch = options.ef ?? PGVECTOR_DEFAULTS.ef;
    this.countCacheMs = options.countCacheMs ?? PGVECTOR_DEFAULTS.countCacheMs;
    this.maintenanceWorkMem = options.maintenanceWorkMem ?? PGVECTOR_DEFAULTS.maintenanceWorkMem;
    this.parallelMaintenanceWorkers = options.parallelMaintenanceWorkers;
    this.singleStatementSearch = options.singleStatementSearch ?? true;
  }

  /**
   * The PostgreSQL startup option that gives every connection of a pool this ef_search
   * (pg's `options`, beside `-c search_path=…`): searches at that ef are then one statement.
   * The value is a placeholder until pgvector's library loads in the session, which then
   * adopts it. Out-of-range values are clamped the way search clamps them.
   */
  static sessionOptions(efSearch: number): string {
    if (!Number.isInteger(efSearch) || efSearch < 1) throw new RangeError(`ef must be a positive integer, got ${efSearch}`);
    return `-c hnsw.ef_search=${Math.min(MAX_EF_SEARCH, efSearch)}`;
  }

  /** The table of a model version (identifier-safe whatever the version string holds). */
  static tableName(version: string): string {
    return `siamese_vectors_${crypto.createHash('sha256').update(version).digest('hex').slice(0, 16)}`;
  }

  /**
   * Opens (creating when missing) the table and HNSW index of `options.version`. Fails
   * with a message naming scripts/pgvector-setup.sh when the extension is not installed.
   * Two replicas opening the same version at once serialise on an advisory lock.
   */
  static async open(db: Database, options: PgvectorIndexOptions): Promise<PgvectorIndex> {
    if (db.provider !== 'postgresql') throw new Error('the pgvector index needs a PostgreSQL database');
    if (!Number.isInteger(options.dimension) || options.dimension < 1 || options.dimension > 16_000) {
      throw new RangeError(`dimension must be an integer in [1, 16000] (pgvector's limit), got ${options.dimension}`);
    }
    const ext = await extensionSchema(db);
    const table = PgvectorIndex.tableName(options.version);
    const meta: TableMeta = { version: options.version, metric: options.metric, dimension: options.dimension };
    const created = await db.transaction(async (tx) => {
      await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', table);
      const [row] = await tx.$queryRawUnsafe<Array<{ comment: string | null }>>(
        "SELECT obj_description(to_regclass($1), 'pg_class') AS comment",
        quoteIdent(table),
      );
      const exists =
        (await tx.$queryRawUnsafe<unknown[]>('SELECT 1 FROM pg_class WHERE oid = to_regclass($1)', quoteIdent(table))).length > 0;
      if (exists && sameMeta(row?.comment ?? null, meta)) return false;
      // Missing, or a table that is not this version's (foreign or from an older layout): derived data, rebuild.
      if (exists) await tx.$executeRawUnsafe(`DROP TABLE ${quoteIdent(table)}`);
      const fk = options.followEmbeddings
        ? `, FOREIGN KEY (model_version, label) REFERENCES "Embedding" ("modelVersion", label) ON DELETE CASCADE`
        : '';
      await tx.$executeRawUnsafe(
        `CREATE TABLE ${quoteIdent(table)} (
           label bigint PRIMARY KEY,
           model_version text NOT NULL DEFAULT ${quoteLiteral(options.version)} CHECK (model_version = ${quoteLiteral(options.version)}),
           embedding ${ext}.vector(${options.dimension}) NOT NULL${fk})`,
      );
      await tx.$executeRawUnsafe(`COMMENT ON TABLE ${quoteIdent(table)} IS ${quoteLiteral(JSON.stringify(meta))}`);
      return true;
    });
    const index = new PgvectorIndex(db, ext, options, created);
    await index.readSessionEfSearch();
    if (!options.deferGraph) await index.ensureGraph();
    await index.count();
    return index;
  }

  /** Drops the table of `version` (a model version that will never serve again). */
  static async drop(db: Database, version: string): Promise<void> {
    await db.run((p) => p.$executeRawUnsafe(`DROP TABLE IF EXISTS ${quoteIdent(PgvectorIndex.tableName(version))}`));
  }

  get size(): number {
    return this.cachedCount;
  }

  get ef(): number {
    return this.efSearch;
  }

  set ef(value: number) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`ef must be a positive integer, got ${value}`);
    this.efSearch = value;
  }

  /** Creates the HNSW index when missing (after a bulk load into a `deferGraph` table). */
  async ensureGraph(): Promise<void> {
    const ops = this.metric === 'cosine' ? 'vector_cosine_ops' : 'vector_l2_ops';
    const name = `${this.table}_hnsw`;
    // Its own transaction timeout: building the graph of a million vectors takes minutes, far
    // past the default interactive transaction timeout (database.ts, 60 s), which Prisma applies
    // to batch transactions too.
    await this.db.run((p) =>
      p.$transaction(
        async (tx) => {
          await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', this.table);
          // The graph should fit in maintenance_work_mem, or the build slows down many times.
          await tx.$executeRawUnsafe(`SET LOCAL maintenance_work_mem = ${quoteLiteral(this.maintenanceWorkMem)}`);
          if (this.parallelMaintenanceWorkers !== undefined) {
            await tx.$executeRawUnsafe(
              `SET LOCAL max_parallel_maintenance_workers = ${Math.max(0, Math.floor(this.parallelMaintenanceWorkers))}`,
            );
          }
          await tx.$executeRawUnsafe(
            `CREATE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${quoteIdent(this.table)}
               USING hnsw (embedding ${this.ext}.${ops}) WITH (m = ${this.M}, ef_construction = ${this.efConstruction})`,
          );
        },
        { timeout: GRAPH_BUILD_TIMEOUT_MS, maxWait: GRAPH_BUILD_TIMEOUT_MS },
      ),
    );
  }

  async count(): Promise<number> {
    if (performance.now() - this.countReadAt < this.countCacheMs) return this.cachedCount;
    return this.refreshCount();
  }

  private async refreshCount(): Promise<number> {
    const [row] = await this.db.run((p) =>
      p.$queryRawUnsafe<Array<{ n: bigint | number }>>(`SELECT count(*) AS n FROM ${quoteIdent(this.table)}`),
    );
    this.cachedCount = Number(row.n);
    this.countReadAt = performance.now();
    return this.cachedCount;
  }

  async add(label: number, vector: Float32Array): Promise<void> {
    checkLabel(label);
    checkVector(vector, this.dimension);
    await this.insert([{ label, vector }]);
  }

  async addMany(rows: readonly LabelledVector[]): Promise<void> {
    for (const r of rows) {
      checkLabel(r.label);
      checkVector(r.vector, this.dimension);
    }
    // The last vector of a label wins, as with repeated add (one statement cannot update a row twice).
    const last = new Map<number, Float32Array>();
    for (const r of rows) last.set(r.label, r.vector);
    const unique = [...last].map(([label, vector]) => ({ label, vector }));
    for (let i = 0; i < unique.length; i += INSERT_BATCH) await this.insert(unique.slice(i, i + INSERT_BATCH));
  }

  async remove(label: number): Promise<boolean> {
    if (!Number.isInteger(label) || label < 0) return false;
    const n = await this.db.run((p) => p.$executeRawUnsafe(`DELETE FROM ${quoteIdent(this.table)} WHERE label = $1`, label));
    if (n > 0) this.cachedCount = Math.max(0, this.cachedCount - n);
    // Not there: with followEmbeddings the erasure's own transaction usually deleted it already
    // (ON DELETE CASCADE), so the cached count is behind: read it again.
    else await this.refreshCount();
    return n > 0;
  }

  async has(label: number): Promise<boolean> {
    if (!Number.isInteger(label) || label < 0) return false;
    const rows = await this.db.run((p) => p.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM ${quoteIdent(this.table)} WHERE label = $1`, label));
    return rows.length > 0;
  }

  async labels(): Promise<number[]> {
    const rows = await this.db.run((p) =>
      p.$queryRawUnsafe<Array<{ label: bigint | number }>>(`SELECT label FROM ${quoteIdent(this.table)}`),
    );
    return rows.map((r) => Number(r.label));
  }

  async search(query: Float32Array, k: number): Promise<SearchHit[]> {
    checkVector(query, this.dimension);
    checkK(k);
    if (k === 0) return [];
    const op = this.metric === 'cosine' ? '<=>' : '<->';
    const t = quoteIdent(this.table);
    const sql = `SELECT label, d FROM (
                   SELECT label, embedding OPERATOR(${this.ext}.${op}) $1::${this.ext}.vector AS d
                   FROM ${t} ORDER BY embedding OPERATOR(${this.ext}.${op}) $1::${this.ext}.vector LIMIT $2
                 ) nearest`;
    const literal = vectorLiteral(query);
    const efSearch = Math.min(MAX_EF_SEARCH, Math.max(this.efSearch, k));
    let rows: Array<{ label: bigint | number; d: number | null }> | null = null;
    if (this.singleStatementSearch && k <= MAX_EF_SEARCH && efSearch === this.sessionEfSearch) {
      // One round trip: the connection already has this ef_search. The statement reports the
      // setting it ran with; any other value (a connection set up otherwise) falls through below.
      const fast = await this.db.run((p) =>
        p.$queryRawUnsafe<Array<{ label: bigint | number; d: number | null; ef: string | null }>>(
          `SELECT label, d, current_setting('hnsw.ef_search', true) AS ef FROM (${sql}) hits`,
          literal,
          k,
        ),
      );
      const ran = fast.length > 0 ? Number(fast[0].ef) : efSearch; // no rows: the table is empty, any ef agrees
      if (ran === efSearch) rows = fast;
      else this.sessionEfSearch = Number.isInteger(ran) ? ran : null;
    }
    rows ??= (
      await this.db.run((p) =>
        p.$transaction([
          p.$executeRawUnsafe(`SET LOCAL hnsw.ef_search = ${efSearch}`),
          // Beyond ef_search an HNSW scan stops short of k rows: sort exactly instead.
          p.$executeRawUnsafe(`SET LOCAL enable_indexscan = ${k > MAX_EF_SEARCH ? 'off' : 'on'}`),
          p.$queryRawUnsafe<Array<{ label: bigint | number; d: number | null }>>(sql, literal, k),
        ]),
      )
    )[2];
    const hits: SearchHit[] = rows.map((r) => ({
      label: Number(r.label),
      // NaN: a cosine distance involving a zero vector (metric.ts: 1). float4 rounding: clamp at 0.
      distance: r.d === null || Number.isNaN(Number(r.d)) ? 1 : Math.max(0, Number(r.d)),
    }));
    return hits.sort((a, b) => a.distance - b.distance || a.label - b.label);
  }

  /** Reads the ef_search the pool's connections start with (a placeholder until pgvector loads is fine). */
  private async readSessionEfSearch(): Promise<void> {
    const [row] = await this.db.run((p) =>
      p.$queryRawUnsafe<Array<{ ef: string | null }>>("SELECT current_setting('hnsw.ef_search', true) AS ef"),
    );
    const ef = Number(row?.ef ?? NaN);
    this.sessionEfSearch = Number.isInteger(ef) && ef >= 1 ? ef : null;
  }

  /** Total bytes of the table, its TOAST and its indexes (HNSW graph included): the bench's memory figure. */
  async relationBytes(): Promise<number> {
    const [row] = await this.db.run((p) =>
      p.$queryRawUnsafe<Array<{ n: bigint | number }>>('SELECT pg_total_relation_size(to_regclass($1)) AS n', quoteIdent(this.table)),
    );
    return Number(row.n);
  }

  private async insert(rows: readonly LabelledVector[]): Promise<void> {
    if (rows.length === 0) return;
    const values = rows.map((_, i) => `($${2 * i + 1}::bigint, $${2 * i + 2}::${this.ext}.vector)`).join(', ');
    const args = rows.flatMap((r) => [r.label, vectorLiteral(r.vector)]);
    // xmax = 0 on the returned row: it was inserted (not updated), so the count grew.
    const sql = `INSERT INTO ${quoteIdent(this.table)} (label, embedding) VALUES ${values}
                 ON CONFLICT (label) DO UPDATE SET embedding = EXCLUDED.embedding
                 RETURNING (xmax = 0) AS inserted`;
    try {
      const out = await this.db.run((p) => p.$queryRawUnsafe<Array<{ inserted: boolean }>>(sql, ...args));
      this.cachedCount += out.filter((r) => r.inserted).length;
    } catch (e) {
      if (!isForeignKeyViolation(e)) throw e;
      // followEmbeddings: an Embedding row is gone (erased after its enrollment committed). Its vector
      // must not come back; insert the others one by one so a batch is not lost for one erased row.
      if (rows.length === 1) return;
      for (const r of rows) await this.insert([r]);
    }
  }
}

/** The schema pgvector is installed in, quoted; explains how to install it when it is not. */
async function extensionSchema(db: Database): Promise<string> {
  const rows = await db.run((p) =>
    p.$queryRawUnsafe<Array<{ schema: string }>>(
      "SELECT n.nspname::text AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'",
    ),
  );
  if (rows.length === 0) {
    throw new Error(
      'SIAMESE_INDEX=pgvector: the pgvector extension is not installed in this database. ' +
        'A superuser runs `CREATE EXTENSION vector;` (scripts/pgvector-setup.sh builds and installs it on Debian; ' +
        'elsewhere install postgresql-<major>-pgvector from PGDG or use the pgvector/pgvector image)',
    );
  }
  return quoteIdent(rows[0].schema);
}

function sameMeta(comment: string | null, meta: TableMeta): boolean {
  if (!comment) return false;
  try {
    const m = JSON.parse(comment) as Partial<TableMeta>;
    return m.version === meta.version && m.metric === meta.metric && m.dimension === meta.dimension;
  } catch {
    return false;
  }
}

/** pgvector's text form. JS prints each float32 (widened to a double) exactly; it parses back to the same float32. */
function vectorLiteral(v: Float32Array): string {
  let s = '[';
  for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + v[i];
  return s + ']';
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function isForeignKeyViolation(e: unknown): boolean {
  for (let c: unknown = e; c; c = (c as { cause?: unknown }).cause) {
    const x = c as {
      code?: unknown;
      meta?: { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } };
    };
    if (x.code === FOREIGN_KEY_VIOLATION || x.meta?.code === FOREIGN_KEY_VIOLATION) return true;
    const cause = x.meta?.driverAdapterError?.cause;
    if (cause?.originalCode === FOREIGN_KEY_VIOLATION || cause?.kind === 'ForeignKeyConstraintViolation') return true;
    if (/violates foreign key constraint/.test(String((c as Error).message ?? ''))) return true;
  }
  return false;
}

/** The index settings the provider needs (src/config IndexSettings fits). */
export interface PgvectorSettings {
  m: number;
  efConstruction: number;
  efSearch: number;
}

/**
 * The service's way in (services/shared-index.port.ts, wired by main.ts for
 * SIAMESE_INDEX=pgvector): one table per model version, linked to the Embedding rows,
 * its HNSW graph built after the first load of a new table.
 */
export function pgvectorProvider(db: Database, settings: PgvectorSettings) {
  return {
    kind: 'pgvector' as const,
    async open(version: string, metric: Metric, dimension: number) {
      const index = await PgvectorIndex.open(db, {
        version,
        metric,
        dimension,
        M: settings.m,
        efConstruction: settings.efConstruction,
        ef: settings.efSearch,
        followEmbeddings: true,
        deferGraph: true,
      });
      return { index, created: index.created, finish: () => index.ensureGraph() };
    },
  };
}
