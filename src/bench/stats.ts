/**
 * Small statistics for the benchmark. Percentiles use linear interpolation
 * between closest ranks (Hyndman & Fan type 7, numpy's default): for n sorted
 * samples x₀…xₙ₋₁ and p in [0,1], h = (n − 1)·p and
 *     P(p) = x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋).
 * So p50 of [1,2,3,4] is 2.5 and p99 of 100 samples lies between the 99th and
 * the 100th value.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no samples');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile p must be in [0,1], got ${p}`);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
}

export function summarize(samplesMs: readonly number[]): LatencySummary {
  const s = [...samplesMs].sort((a, b) => a - b);
  const mean = s.reduce((acc, x) => acc + x, 0) / s.length;
  return {
    count: s.length,
    meanMs: mean,
    p50Ms: percentile(s, 0.5),
    p90Ms: percentile(s, 0.9),
    p99Ms: percentile(s, 0.99),
    minMs: s[0],
    maxMs: s[s.length - 1],
  };
}

/** ours / theirs, or null when either side is missing or theirs is 0. */
export function ratio(ours: number | null | undefined, theirs: number | null | undefined): number | null {
  if (ours == null || theirs == null || !Number.isFinite(ours) || !Number.isFinite(theirs) || theirs === 0) return null;
  return ours / theirs;
}

/** Rounds for display and JSON: 3 significant digits below 100, integers above. */
export function round(x: number | null | undefined): number | null {
  if (x == null || !Number.isFinite(x)) return null;
  if (Math.abs(x) >= 100) return Math.round(x);
  return Number(x.toPrecision(3));
}

/**
 * Repeats `fn` until `minReps` runs are done and `minMs` have passed, or
 * `maxMs` is exceeded (then stops after the current run). Returns the
 * per-run wall times in ms. A warm-up run (not timed) goes first when asked.
 */
export async function timeRuns(
  fn: () => unknown | Promise<unknown>,
  opts: { minReps: number; minMs: number; maxMs: number; warmup?: number },
): Promise<number[]> {
  for (let i = 0; i < (opts.warmup ?? 1); i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  for (;;) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
    const elapsed = performance.now() - start;
    if (elapsed >= opts.maxMs) break;
    if (times.length >= opts.minReps && elapsed >= opts.minMs) break;
  }
  return times;
}
