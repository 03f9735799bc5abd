/**
 * The distance functions of the embedding space, defined once. Training (as
 * tensors, see src/training/losses/distances.ts), calibration, the vector index
 * and the API all use these definitions, so a threshold means the same thing
 * everywhere.
 *
 * - euclidean: d(a,b) = ||a − b||₂            (hnswlib space 'l2' returns d², we take the root)
 * - cosine:    d(a,b) = 1 − a·b / (||a||·||b||) (hnswlib space 'cosine' returns exactly this)
 *
 * Similarity reported to clients is monotone decreasing in distance:
 * - cosine:    s = 1 − d  (the cosine similarity, in [−1, 1])
 * - euclidean: s = 1 / (1 + d)  (in (0, 1])
 */
export type Metric = 'euclidean' | 'cosine';

export const METRICS: readonly Metric[] = ['euclidean', 'cosine'];

export function isMetric(value: string): value is Metric {
  return (METRICS as readonly string[]).includes(value);
}

export function euclideanDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertSameLength(a, b);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return Math.sqrt(sum);
}

export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertSameLength(a, b);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  // A zero vector has no direction: treat it as maximally far from everything (d = 1, orthogonal).
  if (na === 0 || nb === 0) return 1;
  return 1 - dot / Math.sqrt(na * nb);
}

export function distance(a: ArrayLike<number>, b: ArrayLike<number>, metric: Metric): number {
  return metric === 'cosine' ? cosineDistance(a, b) : euclideanDistance(a, b);
}

export function similarityFromDistance(d: number, metric: Metric): number {
  return metric === 'cosine' ? 1 - d : 1 / (1 + d);
}

/**
 * The mean of several vectors, component by component (not re-normalised): the reference an
 * identity's enrolled images stand for in verifyIdentity. Its calibration (training/calibration/
 * reference-calibration.ts) scores distances to this same point, so a threshold there means the same
 * thing here. Throws on an empty list: an identity with no image has no reference.
 */
export function centroid(vectors: readonly ArrayLike<number>[]): Float32Array {
  if (vectors.length === 0) throw new RangeError('centroid of no vectors');
  const out = new Float32Array(vectors[0].length);
  for (const v of vectors) {
    assertSameLength(out, v);
    for (let i = 0; i < out.length; i++) out[i] += v[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= vectors.length;
  return out;
}

/**
 * How far an identity's references lie from their own centre: (1/R)·Σ d(r_i, c_{−i}), each reference's
 * distance to the centroid of the others (leave-one-out, so a reference does not pull the centre towards
 * itself). The genuine side of a per-identity threshold (metric/labelled-threshold.ts); 0 for fewer than two.
 */
export function referenceSpread(vectors: readonly ArrayLike<number>[], metric: Metric): number {
  if (vectors.length < 2) return 0;
  let sum = 0;
  for (let i = 0; i < vectors.length; i++) sum += distance(vectors[i], centroid(vectors.filter((_, j) => j !== i)), metric);
  return sum / vectors.length;
}

/** A pair is a match when its distance is at or below the threshold. */
export function isMatch(d: number, threshold: number): boolean {
  return d <= threshold;
}

function assertSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) {
    throw new RangeError(`vectors differ in length: ${a.length} vs ${b.length}`);
  }
}
