import type { Metric } from '../metric/metric';

/**
 * The vector index port. Works on Float32Arrays and integer labels only: it
 * knows nothing of images, tensors, identities or databases. Adapters:
 * hnsw.index.ts (hnswlib-node, approximate) and exact.index.ts (brute force);
 * persistence (atomic save + sidecar, load-or-rebuild) in index-store.ts.
 * Both must pass test/index/vector-index.contract.ts.
 */
export interface SearchHit {
  label: number;
  /** Distance in the metric of src/metric/metric.ts (euclidean is the root, not the square). */
  distance: number;
}

export interface VectorIndex {
  readonly metric: Metric;
  readonly dimension: number;
  /** Live (not deleted) vectors. */
  readonly size: number;
  /** Adds or replaces the vector of `label`. Grows capacity as needed. */
  add(label: number, vector: Float32Array): void;
  /** Removes `label`; returns false when it was not present. */
  remove(label: number): boolean;
  has(label: number): boolean;
  /** Up to k nearest live vectors, ascending by distance. k larger than size is fine. */
  search(query: Float32Array, k: number): SearchHit[];
  labels(): number[];
}
