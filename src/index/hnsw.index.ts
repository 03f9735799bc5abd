import { HierarchicalNSW } from 'hnswlib-node';
import type { Metric } from '../metric/metric';
import type { SearchHit, VectorIndex } from './vector-index';
import { checkK, checkLabel, checkVector } from './vector-checks';

/**
 * Approximate nearest-neighbour index over hnswlib-node 3 (HNSW, Malkov &
 * Yashunin 2016). Facts of the library this adapter is built around:
 *
 * - Space 'l2' returns the SQUARED euclidean distance: we return its root, so
 *   distances mean what src/metric/metric.ts says. Space 'cosine' normalises
 *   points on insert and returns 1 − cos: exactly metric.ts's cosine distance
 *   (a zero vector stays zero and is at distance 1 from everything there too).
 * - Capacity is fixed until resizeIndex: we double it when an add would not fit.
 * - searchKnn throws for k > capacity and returns fewer than k hits when there
 *   are fewer live points: we clamp k to the live count.
 * - Labels are unsigned 32-bit integers (hnswlib-node converts with Uint32Value).
 * - Deletes are soft marks. We open the index with allowReplaceDeleted so new
 *   labels reuse deleted slots, and before marking a point deleted we overwrite
 *   its vector with zeros: the removed embedding's bytes are gone from memory at
 *   once and from the file at the next save (right to erasure), without paying
 *   for a full rebuild. `compact()` rebuilds without tombstones when wanted.
 * - hnswlib's searchKnn and addPoint are not safe to run concurrently on the
 *   same index. In Node every call here runs synchronously on the event-loop
 *   thread, so they never overlap; do not share one index across worker threads.
 * - hnswlib-node only accepts plain arrays: each call copies the Float32Array
 *   (128 floats ≈ 1 µs, small against the search itself).
 */
export interface HnswOptions {
  metric: Metric;
  dimension: number;
  /** Graph degree (hnswlib M). Higher: better recall, more memory, slower build. */
  M?: number;
  /** Candidate-list size while building. Higher: better graph, slower build. */
  efConstruction?: number;
  /** Candidate-list size while searching (raised to k when k is larger). */
  ef?: number;
  /** Initial capacity; doubled automatically. */
  initialCapacity?: number;
  /** hnswlib's level-generator seed, fixed so builds are reproducible. */
  randomSeed?: number;
}

export const HNSW_DEFAULTS = {
  M: 16,
  efConstruction: 200,
  ef: 100,
  initialCapacity: 1024,
  randomSeed: 100,
} as const;

/** What a loader restores besides the hnswlib file (see index-store.ts). */
interface RestoredState {
  hnsw: HierarchicalNSW;
  live: Set<number>;
  tombstones: Set<number>;
}

export class HnswIndex implements VectorIndex {
  readonly kind = 'hnsw' as const;
  readonly metric: Metric;
  readonly dimension: number;
  readonly M: number;
  readonly efConstruction: number;
  readonly randomSeed: number;
  private readonly initialCapacity: number;
  private hnsw: HierarchicalNSW;
  private readonly live: Set<number>;
  /**
   * Labels removed since their slot may still sit in hnswlib's label map as a
   * tombstone. A superset: hnswlib forgets a tombstone's label when it reuses
   * the slot for another label, which we cannot observe directly.
   */
  private readonly maybeTombstones: Set<number>;
  private efSearch: number;

  constructor(options: HnswOptions, restored?: RestoredState) {
    if (!Number.isInteger(options.dimension) || options.dimension < 1) {
      throw new RangeError(`dimension must be a positive integer, got ${options.dimension}`);
    }
    this.metric = options.metric;
    this.dimension = options.dimension;
    this.M = options.M ?? HNSW_DEFAULTS.M;
    this.efConstruction = options.efConstruction ?? HNSW_DEFAULTS.efConstruction;
    this.randomSeed = options.randomSeed ?? HNSW_DEFAULTS.randomSeed;
    this.initialCapacity = Math.max(1, options.initialCapacity ?? HNSW_DEFAULTS.initialCapacity);
    this.efSearch = options.ef ?? HNSW_DEFAULTS.ef;
    if (restored) {
      this.hnsw = restored.hnsw;
      this.live = restored.live;
      this.maybeTombstones = restored.tombstones;
    } else {
      this.hnsw = this.emptyGraph(this.initialCapacity);
      this.live = new Set();
      this.maybeTombstones = new Set();
    }
    this.hnsw.setEf(this.efSearch);
  }

  /**
   * Opens an hnswlib file written by `writeTo`. `liveCount` (from the sidecar)
   * tells whether the file holds tombstones; only then is every label probed.
   * Throws when the file cannot be read or does not hold `liveCount` live points.
   */
  static readFrom(path: string, options: HnswOptions, liveCount: number): HnswIndex {
    const space = options.metric === 'cosine' ? 'cosine' : 'l2';
    const hnsw = new HierarchicalNSW(space, options.dimension);
    hnsw.readIndexSync(path, true);
    const ids = hnsw.getIdsList();
    const live = new Set<number>();
    const tombstones = new Set<number>();
    if (ids.length === liveCount) {
      for (const id of ids) live.add(id);
    } else {
      // getPoint throws "Label not found" for a deleted label: the only way
      // hnswlib-node exposes the delete mark.
      for (const id of ids) {
        try {
          hnsw.getPoint(id);
          live.add(id);
        } catch {
          tombstones.add(id);
        }
      }
    }
    if (live.size !== liveCount) {
      throw new Error(`index file holds ${live.size} live vectors, expected ${liveCount}`);
    }
    return new HnswIndex(options, { hnsw, live, tombstones });
  }

  get size(): number {
    return this.live.size;
  }

  count(): number {
    return this.live.size;
  }

  /** Slots allocated (live + tombstones + free). */
  get capacity(): number {
    return this.hnsw.getMaxElements();
  }

  /** Tombstone slots: removed points still in the graph (their vectors zeroed). */
  get deletedCount(): number {
    return this.hnsw.getCurrentCount() - this.live.size;
  }

  get ef(): number {
    return this.efSearch;
  }

  set ef(value: number) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`ef must be a positive integer, got ${value}`);
    this.efSearch = value;
    this.hnsw.setEf(value);
  }

  has(label: number): boolean {
    return this.live.has(label);
  }

  labels(): number[] {
    return [...this.live];
  }

  add(label: number, vector: Float32Array): void {
    checkLabel(label);
    checkVector(vector, this.dimension);
    const point = Array.from(vector);
    if (this.live.has(label)) {
      this.hnsw.addPoint(point, label); // hnswlib updates the existing point in place
      return;
    }
    if (this.maybeTombstones.delete(label) && this.revive(label, point)) return;
    // With tombstones present, addPoint(..., true) reuses one of their slots.
    if (this.deletedCount === 0 && this.hnsw.getCurrentCount() >= this.hnsw.getMaxElements()) {
      this.hnsw.resizeIndex(Math.max(this.initialCapacity, this.hnsw.getMaxElements() * 2));
    }
    this.hnsw.addPoint(point, label, true);
    this.live.add(label);
    if (this.deletedCount === 0) this.maybeTombstones.clear();
  }

  remove(label: number): boolean {
    if (!this.live.has(label)) return false;
    // Erase the bytes first (an in-place update to the zero vector), then mark.
    this.hnsw.addPoint(new Array<number>(this.dimension).fill(0), label);
    this.hnsw.markDelete(label);
    this.live.delete(label);
    this.maybeTombstones.add(label);
    return true;
  }

  search(query: Float32Array, k: number): SearchHit[] {
    checkVector(query, this.dimension);
    checkK(k);
    const n = Math.min(k, this.live.size);
    if (n === 0) return [];
    const { distances, neighbors } = this.hnsw.searchKnn(Array.from(query), n);
    const hits: SearchHit[] = new Array(neighbors.length);
    for (let i = 0; i < neighbors.length; i++) {
      const raw = distances[i];
      // float32 rounding can give −1e−7 for identical points: clamp at 0.
      const d = this.metric === 'euclidean' ? Math.sqrt(Math.max(0, raw)) : Math.max(0, raw);
      hits[i] = { label: neighbors[i], distance: d };
    }
    // hnswlib returns ascending distances; equal distances come out in graph
    // order, so break ties by label to make results independent of insertion order.
    return hits.sort((a, b) => a.distance - b.distance || a.label - b.label);
  }

  /**
   * Rebuilds the graph from the live points only: frees tombstone slots and
   * forgets removed labels entirely. O(n log n): for maintenance, not per request.
   */
  compact(): void {
    const labels = [...this.live].sort((a, b) => a - b);
    let capacity = this.initialCapacity;
    while (capacity < labels.length) capacity *= 2;
    const next = this.emptyGraph(capacity);
    for (const label of labels) next.addPoint(this.hnsw.getPoint(label), label, true);
    next.setEf(this.efSearch);
    this.hnsw = next;
    this.maybeTombstones.clear();
  }

  /** The stored vector of a live label (unit length in cosine space), or undefined. */
  vectorOf(label: number): Float32Array | undefined {
    if (!this.live.has(label)) return undefined;
    return Float32Array.from(this.hnsw.getPoint(label));
  }

  /** Writes hnswlib's own binary format (see index-store.ts for the atomic save). */
  writeTo(path: string): void {
    this.hnsw.writeIndexSync(path);
  }

  private emptyGraph(capacity: number): HierarchicalNSW {
    const g = new HierarchicalNSW(this.metric === 'cosine' ? 'cosine' : 'l2', this.dimension);
    g.initIndex({
      maxElements: capacity,
      m: this.M,
      efConstruction: this.efConstruction,
      randomSeed: this.randomSeed,
      allowReplaceDeleted: true,
    });
    return g;
  }

  /** Re-adds a label whose tombstone is still in the graph; false if its slot was reused. */
  private revive(label: number, point: number[]): boolean {
    try {
      this.hnsw.unmarkDelete(label);
    } catch {
      return false; // "Label not found": its slot now belongs to another label
    }
    this.hnsw.addPoint(point, label);
    this.live.add(label);
    return true;
  }
}
