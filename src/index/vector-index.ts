import type { Metric } from '../metric/metric';

/**
 * The vector index port. Works on Float32Arrays and integer labels only: it
 * knows nothing of images, tensors, identities or databases. Adapters:
 * hnsw.index.ts (hnswlib-node, approximate) and exact.index.ts (brute force),
 * both in this process, persistence (atomic save + sidecar, load-or-rebuild) in
 * index-store.ts; and src/db/pgvector.index.ts (pgvector's HNSW inside
 * PostgreSQL: the index lives in the database, shared by every replica).
 * All must pass test/index/vector-index.contract.ts.
 *
 * Sync or async: an in-process adapter answers at once, a database-backed one
 * answers with a promise. The port's methods return `MaybePromise`, so the
 * in-process adapters keep their synchronous signatures (their own tests, the
 * bench and index-store use them directly, without a promise per call) while
 * every caller holding the PORT awaits each call. `await` on a plain value
 * costs one microtask; nothing else changes for hnswlib.
 */
export interface SearchHit {
  label: number;
  /** Distance in the metric of src/metric/metric.ts (euclidean is the root, not the square). */
  distance: number;
}

export type MaybePromise<T> = T | Promise<T>;

/** Which adapter: 'hnsw' and 'exact' live in this process, 'pgvector' in PostgreSQL. */
export type VectorIndexKind = 'hnsw' | 'exact' | 'pgvector';

export interface LabelledVector {
  label: number;
  vector: Float32Array;
}

export interface VectorIndex {
  readonly kind: VectorIndexKind;
  readonly metric: Metric;
  readonly dimension: number;
  /**
   * Live (not deleted) vectors as this process last knew them, without I/O (logs,
   * /healthz, the model query). Exact for the in-process adapters; for a shared
   * (pgvector) index, the count read by the last count() plus this process's own
   * adds and removes since: other replicas' writes show up at the next count().
   */
  readonly size: number;
  /** Live vectors now (a query for a shared index): what a decision (a search's gallery size) reads. */
  count(): MaybePromise<number>;
  /** Adds or replaces the vector of `label`. Grows capacity as needed. */
  add(label: number, vector: Float32Array): MaybePromise<void>;
  /** `add` for many rows at once (a rebuild, a repair): one round trip per batch for a database index. */
  addMany?(rows: readonly LabelledVector[]): MaybePromise<void>;
  /** Removes `label`; returns false when it was not present. */
  remove(label: number): MaybePromise<boolean>;
  has(label: number): MaybePromise<boolean>;
  /** Up to k nearest live vectors, ascending by distance. k larger than the count is fine. */
  search(query: Float32Array, k: number): MaybePromise<SearchHit[]>;
  labels(): MaybePromise<number[]>;
}
