/**
 * Exact euclidean top-k of many queries against many vectors, for the index
 * bench's recall@10 ground truth. At 1M × 128-d, ExactIndex (one query at a
 * time, one full scan each) costs ~0.1–0.2 s per query on this machine; a
 * thousand queries would take minutes and tie up a core the indexes compete
 * for. Here queries go in blocks of QUERY_BLOCK: each data row is read from
 * memory once per block and dotted with every query of the block
 * (‖x − q‖² = ‖x‖² − 2·x·q + ‖q‖², norms precomputed), a blocked matrix
 * product in plain Float32Array loops (doubles in the accumulators).
 *
 * The expansion loses precision when distances are close, so each query keeps
 * REFINE_K > k candidates and the final top-k is re-ranked by the direct sum of
 * squared differences, ties broken by the smaller label (ExactIndex's order).
 */
const QUERY_BLOCK = 8;
const REFINE_K_EXTRA = 10;

export interface ExactTruthProgress {
  (queriesDone: number, queriesTotal: number, elapsedSec: number): void;
}

/**
 * Labels (row numbers 0…n−1) of the k nearest rows of `data` to each of the first
 * `nq` rows of `queries`, nearest first: `result[q]` has k entries (fewer when n < k).
 */
export function exactTopK(
  data: Float32Array,
  queries: Float32Array,
  nq: number,
  dim: number,
  k: number,
  progress?: ExactTruthProgress,
): Int32Array[] {
  const n = Math.floor(data.length / dim);
  if (queries.length < nq * dim) throw new RangeError(`queries hold fewer than ${nq} vectors of ${dim}`);
  const keep = Math.min(n, k + REFINE_K_EXTRA);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0, o = i * dim; d < dim; d++) s += data[o + d] * data[o + d];
    norms[i] = s;
  }
  const t0 = performance.now();
  const out: Int32Array[] = [];
  // Queries of a block interleaved dimension-major (qt[d·QUERY_BLOCK + j]): one contiguous read per dimension.
  const qt = new Float64Array(dim * QUERY_BLOCK);
  for (let q0 = 0; q0 < nq; q0 += QUERY_BLOCK) {
    const b = Math.min(QUERY_BLOCK, nq - q0);
    qt.fill(0); // a short last block dots with zero vectors; their scores are ignored
    for (let j = 0; j < b; j++) for (let d = 0; d < dim; d++) qt[d * QUERY_BLOCK + j] = queries[(q0 + j) * dim + d];
    // Eight lists even for a short last block (its zero-vector slots are dropped below).
    const best = Array.from({ length: QUERY_BLOCK }, () => new TopK(keep));
    const [b0, b1, b2, b3, b4, b5, b6, b7] = best;
    for (let i = 0; i < n; i++) {
      const o = i * dim;
      // Eight accumulators in locals (QUERY_BLOCK = 8): the JIT keeps them in registers.
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0; // prettier-ignore
      for (let d = 0, t = 0; d < dim; d++, t += QUERY_BLOCK) {
        const x = data[o + d];
        s0 += x * qt[t];
        s1 += x * qt[t + 1];
        s2 += x * qt[t + 2];
        s3 += x * qt[t + 3];
        s4 += x * qt[t + 4];
        s5 += x * qt[t + 5];
        s6 += x * qt[t + 6];
        s7 += x * qt[t + 7];
      }
      // ‖q‖² is the same for every row of one query: leave it out of the ranking.
      const nx = norms[i];
      b0.offer(nx - 2 * s0, i);
      b1.offer(nx - 2 * s1, i);
      b2.offer(nx - 2 * s2, i);
      b3.offer(nx - 2 * s3, i);
      b4.offer(nx - 2 * s4, i);
      b5.offer(nx - 2 * s5, i);
      b6.offer(nx - 2 * s6, i);
      b7.offer(nx - 2 * s7, i);
    }
    for (let j = 0; j < b; j++) out.push(refine(best[j].labels(), data, queries, q0 + j, dim, k));
    progress?.(Math.min(nq, q0 + b), nq, (performance.now() - t0) / 1000);
  }
  return out;
}

/** The k nearest of the candidates by the direct squared distance, ties by label. */
function refine(candidates: number[], data: Float32Array, queries: Float32Array, q: number, dim: number, k: number): Int32Array {
  const scored = candidates.map((label) => {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const diff = data[label * dim + d] - queries[q * dim + d];
      s += diff * diff;
    }
    return { label, s };
  });
  scored.sort((a, b) => a.s - b.s || a.label - b.label);
  return Int32Array.from(scored.slice(0, k).map((c) => c.label));
}

/** The `size` smallest scores seen, kept unsorted with the current worst tracked (size is small). */
class TopK {
  private readonly scores: number[] = [];
  private readonly ids: number[] = [];
  private worst = -1;

  constructor(private readonly size: number) {}

  offer(score: number, id: number): void {
    if (this.scores.length < this.size) {
      this.scores.push(score);
      this.ids.push(id);
      if (this.scores.length === this.size) this.findWorst();
      return;
    }
    if (score >= this.scores[this.worst]) return;
    this.scores[this.worst] = score;
    this.ids[this.worst] = id;
    this.findWorst();
  }

  labels(): number[] {
    return [...this.ids];
  }

  private findWorst(): void {
    let w = 0;
    for (let i = 1; i < this.scores.length; i++) if (this.scores[i] > this.scores[w]) w = i;
    this.worst = w;
  }
}
