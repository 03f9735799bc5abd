import { INDEX_BENCH_DEFAULTS, runIndexBenchForSize } from '../../src/bench/index.bench';
import { clusteredQueries, clusteredVectors, uniformVectors } from '../../src/bench/rng';
import { euclideanDistance } from '../../src/metric/metric';

const small = {
  ...INDEX_BENCH_DEFAULTS,
  efConstruction: 64,
  dimension: 16,
  efs: [8, 64],
  queries: 300,
  recallQueries: () => 50,
  queryBudgetMs: 200,
};

test.each(['uniform', 'clustered'] as const)('a small run has the reported shape and sane values (%s)', (dataset) => {
  const r = runIndexBenchForSize(2000, { ...small, dataset });
  expect(r).toMatchObject({ dataset, n: 2000, dimension: 16, M: 16, efConstruction: 64, targetRecall: 0.98 });
  expect(r.sweep.map((p) => p.ef)).toEqual(r.sweep.map((p) => p.ef).sort((a, b) => a - b));
  for (const p of r.sweep) {
    expect(p.recallAt10).toBeGreaterThanOrEqual(0);
    expect(p.recallAt10).toBeLessThanOrEqual(1);
    expect(p.qps).toBeGreaterThan(0);
  }
  expect(r.sweep).toContain(r.chosen);
  // At 2000 × 16-d, ef 64 finds (almost) every true neighbour.
  expect(r.sweep[r.sweep.length - 1].recallAt10).toBeGreaterThanOrEqual(0.95);
  expect(r.fileBytesPerVector).toBeGreaterThan(16 * 4); // at least the vector itself
});

test('generators are seeded: same seed, same vectors; uniform values lie in [0,1)', () => {
  expect(uniformVectors(10, 4, 3)).toEqual(uniformVectors(10, 4, 3));
  expect(uniformVectors(10, 4, 3)).not.toEqual(uniformVectors(10, 4, 4));
  for (const x of uniformVectors(100, 8, 1)) {
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x).toBeLessThan(1);
  }
});

test('clustered vectors are unit length and each nearest neighbour shares its cluster', () => {
  const dim = 32;
  const n = 200;
  const v = clusteredVectors(n, dim, 10, 0.6, 5);
  const row = (i: number) => v.subarray(i * dim, (i + 1) * dim);
  for (let i = 0; i < n; i++) expect(euclideanDistance(row(i), new Float32Array(dim))).toBeCloseTo(1, 5);
  for (let i = 0; i < n; i += 17) {
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < n; j++) {
      const d = j === i ? Infinity : euclideanDistance(row(i), row(j));
      if (d < bestD) [best, bestD] = [j, d];
    }
    expect(Math.floor(best / 10)).toBe(Math.floor(i / 10));
  }
  // Queries fall near gallery centres: their nearest gallery vector is closer than any between-cluster pair.
  const q = clusteredQueries(5, n, dim, 10, 0.6, 5);
  for (let k = 0; k < 5; k++) {
    const d = Math.min(...Array.from({ length: n }, (_, j) => euclideanDistance(q.subarray(k * dim, (k + 1) * dim), row(j))));
    expect(d).toBeLessThan(1);
  }
});
