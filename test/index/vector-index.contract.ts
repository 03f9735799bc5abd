import { distance, type Metric } from '../../src/metric/metric';
import type { VectorIndex } from '../../src/index/vector-index';

/**
 * The behaviour every VectorIndex adapter promises (src/index/vector-index.ts).
 * Each adapter's test file calls this with a factory. Ground truth comes from
 * src/metric/metric.ts directly, never from another adapter.
 */
export interface IndexFactoryOptions {
  metric: Metric;
  dimension: number;
  initialCapacity?: number;
}

export type IndexFactory = (options: IndexFactoryOptions) => VectorIndex;

/** mulberry32: a tiny seeded PRNG so random tests are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomVectors(n: number, dim: number, seed: number): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: dim }, () => r() * 2 - 1));
}

const v = (...xs: number[]) => Float32Array.from(xs);

function bruteForce(vectors: Map<number, Float32Array>, q: Float32Array, k: number, metric: Metric) {
  return [...vectors.entries()]
    .map(([label, x]) => ({ label, distance: distance(q, x, metric) }))
    .sort((a, b) => a.distance - b.distance || a.label - b.label)
    .slice(0, k);
}

export function runVectorIndexContract(name: string, make: IndexFactory): void {
  describe(`VectorIndex contract: ${name}`, () => {
    test('an empty index has size 0 and returns no hits', () => {
      const index = make({ metric: 'euclidean', dimension: 3 });
      expect(index.size).toBe(0);
      expect(index.labels()).toEqual([]);
      expect(index.search(v(1, 2, 3), 5)).toEqual([]);
      expect(index.has(0)).toBe(false);
      expect(index.remove(0)).toBe(false);
    });

    test('euclidean: hand-derived distances (the root, not the square), ascending', () => {
      const index = make({ metric: 'euclidean', dimension: 2 });
      index.add(10, v(0, 0));
      index.add(11, v(3, 4)); // |(3,4)| = 5
      index.add(12, v(1, 0)); // 1
      index.add(13, v(-6, 8)); // |(−6,8)| = 10
      const hits = index.search(v(0, 0), 4);
      expect(hits.map((h) => h.label)).toEqual([10, 12, 11, 13]);
      const expected = [0, 1, 5, 10];
      hits.forEach((h, i) => expect(h.distance).toBeCloseTo(expected[i], 5));
      // From (3,0): to (3,4) is 4, to (1,0) is 2, to (0,0) is 3.
      const from30 = index.search(v(3, 0), 3);
      expect(from30.map((h) => h.label)).toEqual([12, 10, 11]);
      [2, 3, 4].forEach((d, i) => expect(from30[i].distance).toBeCloseTo(d, 5));
    });

    test('cosine: hand-derived distances 1 − cos, scale-invariant', () => {
      const index = make({ metric: 'cosine', dimension: 2 });
      index.add(1, v(1, 0)); // cos 1 → 0
      index.add(2, v(0, 2)); // orthogonal → 1
      index.add(3, v(1, 1)); // cos 45° = 1/√2 → 1 − 0.70711 = 0.29289
      index.add(4, v(-3, 0)); // opposite → 2
      const hits = index.search(v(2, 0), 4);
      expect(hits.map((h) => h.label)).toEqual([1, 3, 2, 4]);
      [0, 1 - Math.SQRT1_2, 1, 2].forEach((d, i) => expect(hits[i].distance).toBeCloseTo(d, 5));
    });

    test('k larger than the live count returns every live vector; k = 0 returns none', () => {
      const index = make({ metric: 'euclidean', dimension: 2 });
      index.add(1, v(0, 0));
      index.add(2, v(1, 1));
      expect(index.search(v(0, 0), 50).map((h) => h.label)).toEqual([1, 2]);
      expect(index.search(v(0, 0), 0)).toEqual([]);
    });

    test('dimension mismatches, bad labels, bad k and non-finite values are rejected', () => {
      const index = make({ metric: 'euclidean', dimension: 3 });
      expect(() => index.add(1, v(1, 2))).toThrow(RangeError);
      index.add(1, v(1, 2, 3));
      expect(() => index.search(v(1, 2, 3, 4), 1)).toThrow(/dimension/);
      expect(() => index.add(-1, v(1, 2, 3))).toThrow(RangeError);
      expect(() => index.add(1.5, v(1, 2, 3))).toThrow(RangeError);
      expect(() => index.add(2, v(1, NaN, 3))).toThrow(RangeError);
      expect(() => index.search(v(1, 2, 3), -1)).toThrow(RangeError);
      expect(index.size).toBe(1);
    });

    test('add of an existing label replaces its vector', () => {
      const index = make({ metric: 'euclidean', dimension: 2 });
      index.add(7, v(10, 10));
      index.add(8, v(5, 5));
      index.add(7, v(0, 1));
      expect(index.size).toBe(2);
      const hits = index.search(v(0, 0), 2);
      expect(hits[0]).toEqual({ label: 7, distance: expect.closeTo(1, 5) });
      expect(hits[1].label).toBe(8);
    });

    test('remove: the label is never returned again, and can be re-added', () => {
      const index = make({ metric: 'euclidean', dimension: 2 });
      index.add(1, v(0, 0));
      index.add(2, v(1, 0));
      index.add(3, v(2, 0));
      expect(index.remove(1)).toBe(true);
      expect(index.remove(1)).toBe(false);
      expect(index.has(1)).toBe(false);
      expect(index.size).toBe(2);
      expect(index.labels().sort()).toEqual([2, 3]);
      expect(index.search(v(0, 0), 3).map((h) => h.label)).toEqual([2, 3]);
      index.add(1, v(5, 0));
      expect(index.search(v(0, 0), 3).map((h) => h.label)).toEqual([2, 3, 1]);
      expect(index.search(v(0, 0), 3)[2].distance).toBeCloseTo(5, 5);
    });

    test('removing everything leaves a searchable empty index', () => {
      const index = make({ metric: 'cosine', dimension: 2 });
      index.add(1, v(1, 0));
      index.add(2, v(0, 1));
      index.remove(1);
      index.remove(2);
      expect(index.size).toBe(0);
      expect(index.search(v(1, 1), 5)).toEqual([]);
    });

    test('capacity grows past the initial size', () => {
      const index = make({ metric: 'euclidean', dimension: 4, initialCapacity: 4 });
      const vectors = randomVectors(100, 4, 7);
      vectors.forEach((x, i) => index.add(i, x));
      expect(index.size).toBe(100);
      for (const i of [0, 50, 99]) {
        const [hit] = index.search(vectors[i], 1);
        expect(hit.label).toBe(i);
        expect(hit.distance).toBeCloseTo(0, 5);
      }
    });

    test('removed labels never come back under churn (random adds, removes, replaces)', () => {
      const dim = 8;
      const index = make({ metric: 'euclidean', dimension: dim, initialCapacity: 16 });
      const r = rng(42);
      const truth = new Map<number, Float32Array>();
      for (let step = 0; step < 600; step++) {
        const label = Math.floor(r() * 80);
        if (r() < 0.35) {
          expect(index.remove(label)).toBe(truth.delete(label));
        } else {
          const x = Float32Array.from({ length: dim }, () => r() * 2 - 1);
          index.add(label, x);
          truth.set(label, x);
        }
      }
      expect(index.size).toBe(truth.size);
      expect(index.labels().sort((a, b) => a - b)).toEqual([...truth.keys()].sort((a, b) => a - b));
      for (const q of randomVectors(20, dim, 5)) {
        const hits = index.search(q, truth.size + 5);
        for (const h of hits) expect(truth.has(h.label)).toBe(true);
        expect(hits).toHaveLength(truth.size);
        for (const h of hits) expect(h.distance).toBeCloseTo(distance(q, truth.get(h.label)!, 'euclidean'), 4);
      }
    });

    test('results do not depend on insertion order (ties broken by label)', () => {
      const vectors = randomVectors(200, 6, 11);
      // Two exact ties at distance 1 from the origin.
      vectors[0] = v(1, 0, 0, 0, 0, 0);
      vectors[1] = v(0, 1, 0, 0, 0, 0);
      const a = make({ metric: 'euclidean', dimension: 6 });
      const b = make({ metric: 'euclidean', dimension: 6 });
      vectors.forEach((x, i) => a.add(i, x));
      [...vectors.keys()].reverse().forEach((i) => b.add(i, vectors[i]));
      for (const q of [v(0, 0, 0, 0, 0, 0), ...randomVectors(10, 6, 12)]) {
        expect(b.search(q, 10).map((h) => h.label)).toEqual(a.search(q, 10).map((h) => h.label));
      }
    });

    test.each(['euclidean', 'cosine'] as Metric[])('recall@10 ≥ 0.98 against brute force on 3000 random vectors (%s)', (metric) => {
      const dim = 32;
      const data = randomVectors(3000, dim, 1234);
      const index = make({ metric, dimension: dim });
      const truth = new Map<number, Float32Array>();
      data.forEach((x, i) => {
        index.add(i, x);
        truth.set(i, x);
      });
      let found = 0;
      const queries = randomVectors(100, dim, 99);
      for (const q of queries) {
        const want = new Set(bruteForce(truth, q, 10, metric).map((h) => h.label));
        for (const h of index.search(q, 10)) if (want.has(h.label)) found++;
      }
      expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.98);
    });
  });
}
