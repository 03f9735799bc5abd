import type { Metric } from '../metric/metric';
import type { SearchHit, VectorIndex } from './vector-index';
import { checkK, checkLabel, checkVector } from './vector-checks';

/**
 * Brute-force index: the ground truth HNSW recall is measured against, and a
 * fine choice for small galleries (a few thousand vectors search in well under
 * a millisecond). Vectors live in one contiguous Float32Array so a search is a
 * single linear pass.
 *
 * The distance arithmetic is src/metric/metric.ts's, inlined over the packed
 * rows (a function call and a subarray view per row would double the cost):
 * euclidean = sqrt(Σ(a−b)²), cosine = 1 − a·b / sqrt(|a|²·|b|²) with 1 for a
 * zero vector, accumulated in float64 in the same order, so results are
 * bit-identical to `distance()` (test/index/exact.index.test.ts checks it).
 *
 * Removal moves the last row into the hole and zeroes the vacated row, so a
 * removed vector's bytes leave memory at once (right to erasure).
 */
export interface ExactOptions {
  metric: Metric;
  dimension: number;
  initialCapacity?: number;
}

export class ExactIndex implements VectorIndex {
  readonly kind = 'exact' as const;
  readonly metric: Metric;
  readonly dimension: number;
  private data: Float32Array;
  /** Squared norms per row, for cosine. */
  private sqNorms: Float64Array;
  private rowLabels: Uint32Array;
  private readonly rowOf = new Map<number, number>();
  private rowCount = 0;

  constructor(options: ExactOptions) {
    if (!Number.isInteger(options.dimension) || options.dimension < 1) {
      throw new RangeError(`dimension must be a positive integer, got ${options.dimension}`);
    }
    this.metric = options.metric;
    this.dimension = options.dimension;
    const capacity = Math.max(1, options.initialCapacity ?? 1024);
    this.data = new Float32Array(capacity * this.dimension);
    this.sqNorms = new Float64Array(capacity);
    this.rowLabels = new Uint32Array(capacity);
  }

  get size(): number {
    return this.rowCount;
  }

  count(): number {
    return this.rowCount;
  }

  get capacity(): number {
    return this.rowLabels.length;
  }

  has(label: number): boolean {
    return this.rowOf.has(label);
  }

  labels(): number[] {
    return Array.from(this.rowLabels.subarray(0, this.rowCount));
  }

  add(label: number, vector: Float32Array): void {
    checkLabel(label);
    checkVector(vector, this.dimension);
    let row = this.rowOf.get(label);
    if (row === undefined) {
      if (this.rowCount === this.capacity) this.grow(this.capacity * 2);
      row = this.rowCount++;
      this.rowOf.set(label, row);
      this.rowLabels[row] = label;
    }
    this.data.set(vector, row * this.dimension);
    let sq = 0;
    for (let i = 0; i < vector.length; i++) sq += vector[i] * vector[i];
    this.sqNorms[row] = sq;
  }

  remove(label: number): boolean {
    const row = this.rowOf.get(label);
    if (row === undefined) return false;
    const last = this.rowCount - 1;
    const dim = this.dimension;
    if (row !== last) {
      this.data.copyWithin(row * dim, last * dim, (last + 1) * dim);
      this.sqNorms[row] = this.sqNorms[last];
      const moved = this.rowLabels[last];
      this.rowLabels[row] = moved;
      this.rowOf.set(moved, row);
    }
    this.data.fill(0, last * dim, (last + 1) * dim);
    this.sqNorms[last] = 0;
    this.rowLabels[last] = 0;
    this.rowOf.delete(label);
    this.rowCount = last;
    return true;
  }

  search(query: Float32Array, k: number): SearchHit[] {
    checkVector(query, this.dimension);
    checkK(k);
    const n = Math.min(k, this.rowCount);
    if (n === 0) return [];
    // Bounded sorted buffer of the n best so far: k is small (≤ a few hundred),
    // and after the first rows almost every candidate fails the one comparison
    // against the current worst, so this beats a heap in practice.
    const bestD = new Float64Array(n).fill(Infinity);
    const bestL = new Float64Array(n).fill(Infinity);
    const dim = this.dimension;
    const data = this.data;
    const cosine = this.metric === 'cosine';
    let qq = 0;
    for (let i = 0; i < dim; i++) qq += query[i] * query[i];
    for (let row = 0; row < this.rowCount; row++) {
      const off = row * dim;
      let d: number;
      if (cosine) {
        let dot = 0;
        for (let i = 0; i < dim; i++) dot += query[i] * data[off + i];
        const rr = this.sqNorms[row];
        d = qq === 0 || rr === 0 ? 1 : 1 - dot / Math.sqrt(qq * rr);
      } else {
        let sum = 0;
        for (let i = 0; i < dim; i++) {
          const t = query[i] - data[off + i];
          sum += t * t;
        }
        d = Math.sqrt(sum);
      }
      const label = this.rowLabels[row];
      // Ties are broken by label so the result never depends on insertion order.
      const worst = n - 1;
      if (d > bestD[worst] || (d === bestD[worst] && label >= bestL[worst])) continue;
      let j = worst;
      while (j > 0 && (d < bestD[j - 1] || (d === bestD[j - 1] && label < bestL[j - 1]))) {
        bestD[j] = bestD[j - 1];
        bestL[j] = bestL[j - 1];
        j--;
      }
      bestD[j] = d;
      bestL[j] = label;
    }
    const hits: SearchHit[] = new Array(n);
    for (let i = 0; i < n; i++) hits[i] = { label: bestL[i], distance: bestD[i] };
    return hits;
  }

  /** The stored vector of a live label (a copy), or undefined. */
  vectorOf(label: number): Float32Array | undefined {
    const row = this.rowOf.get(label);
    if (row === undefined) return undefined;
    return this.data.slice(row * this.dimension, (row + 1) * this.dimension);
  }

  /** Rows in storage order, for the binary writer in index-store.ts (views, not copies). */
  rows(): { labels: Uint32Array; vectors: Float32Array } {
    return {
      labels: this.rowLabels.subarray(0, this.rowCount),
      vectors: this.data.subarray(0, this.rowCount * this.dimension),
    };
  }

  private grow(capacity: number): void {
    const data = new Float32Array(capacity * this.dimension);
    data.set(this.data);
    const sq = new Float64Array(capacity);
    sq.set(this.sqNorms);
    const labels = new Uint32Array(capacity);
    labels.set(this.rowLabels);
    this.data = data;
    this.sqNorms = sq;
    this.rowLabels = labels;
  }
}
