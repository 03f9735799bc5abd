import { distance, type Metric } from '../../src/metric/metric';
import type { MaybePromise, VectorIndex } from '../../src/index/vector-index';

/**
 * The behaviour every VectorIndex adapter promises (src/index/vector-index.ts).
 * Each adapter's test file calls this with a factory. Ground truth comes from
 * src/metric/metric.ts directly, never from another adapter.
 *
 * Every call is awaited: the port allows an adapter to answer with a promise
 * (pgvector), and `await` on an in-process adapter's plain value changes nothing.
 * A wrong argument is expected to throw or reject (`rejects` covers both, since
 * the call is made inside an async function).
 */
export interface IndexFactoryOptions {
  metric: Metric;
  dimension: number;
  initialCapacity?: number;
}

/** May answer a promise (a database-backed adapter creates its table). */
export type IndexFactory = (options: IndexFactoryOptions) => MaybePromise<VectorIndex>;

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
    test('an empty index has size 0 and returns no hits', async () => {
      const index = await make({ metric: 'euclidean', dimension: 3 });
      expect(await index.count()).toBe(0);
      expect(index.size).toBe(0);
      expect(await index.labels()).toEqual([]);
      expect(await index.search(v(1, 2, 3), 5)).toEqual([]);
      expect(await index.has(0)).toBe(false);
      expect(await index.remove(0)).toBe(false);
    });

    test('euclidean: hand-derived distances (the root, not the square), ascending', async () => {
      const index = await make({ metric: 'euclidean', dimension: 2 });
      await index.add(10, v(0, 0));
      await index.add(11, v(3, 4)); // |(3,4)| = 5
      await index.add(12, v(1, 0)); // 1
      await index.add(13, v(-6, 8)); // |(−6,8)| = 10
      const hits = await index.search(v(0, 0), 4);
      expect(hits.map((h) => h.label)).toEqual([10, 12, 11, 13]);
      const expected = [0, 1, 5, 10];
      hits.forEach((h, i) => expect(h.distance).toBeCloseTo(expected[i], 5));
      // From (3,0): to (3,4) is 4, to (1,0) is 2, to (0,0) is 3.
      const from30 = await index.search(v(3, 0), 3);
      expect(from30.map((h) => h.label)).toEqual([12, 10, 11]);
      [2, 3, 4].forEach((d, i) => expect(from30[i].distance).toBeCloseTo(d, 5));
    });

    test('cosine: hand-derived distances 1 − cos, scale-invariant', async () => {
      const index = await make({ metric: 'cosine', dimension: 2 });
      await index.add(1, v(1, 0)); // cos 1 → 0
      await index.add(2, v(0, 2)); // orthogonal → 1
      await index.add(3, v(1, 1)); // cos 45° = 1/√2 → 1 − 0.70711 = 0.29289
      await index.add(4, v(-3, 0)); // opposite → 2
      const hits = await index.search(v(2, 0), 4);
      expect(hits.map((h) => h.label)).toEqual([1, 3, 2, 4]);
      [0, 1 - Math.SQRT1_2, 1, 2].forEach((d, i) => expect(hits[i].distance).toBeCloseTo(d, 5));
    });

    test('k larger than the live count returns every live vector; k = 0 returns none', async () => {
      const index = await make({ metric: 'euclidean', dimension: 2 });
      await index.add(1, v(0, 0));
      await index.add(2, v(1, 1));
      expect((await index.search(v(0, 0), 50)).map((h) => h.label)).toEqual([1, 2]);
      expect(await index.search(v(0, 0), 0)).toEqual([]);
    });

    test('dimension mismatches, bad labels, bad k and non-finite values are rejected', async () => {
      const index = await make({ metric: 'euclidean', dimension: 3 });
      await expect(async () => index.add(1, v(1, 2))).rejects.toThrow(RangeError);
      await index.add(1, v(1, 2, 3));
      await expect(async () => await index.search(v(1, 2, 3, 4), 1)).rejects.toThrow(/dimension/);
      await expect(async () => index.add(-1, v(1, 2, 3))).rejects.toThrow(RangeError);
      await expect(async () => index.add(1.5, v(1, 2, 3))).rejects.toThrow(RangeError);
      await expect(async () => index.add(2, v(1, NaN, 3))).rejects.toThrow(RangeError);
      await expect(async () => await index.search(v(1, 2, 3), -1)).rejects.toThrow(RangeError);
      expect(await index.count()).toBe(1);
    });

    test('add of an existing label replaces its vector', async () => {
      const index = await make({ metric: 'euclidean', dimension: 2 });
      await index.add(7, v(10, 10));
      await index.add(8, v(5, 5));
      await index.add(7, v(0, 1));
      expect(await index.count()).toBe(2);
      const hits = await index.search(v(0, 0), 2);
      expect(hits[0]).toEqual({ label: 7, distance: expect.closeTo(1, 5) });
      expect(hits[1].label).toBe(8);
    });

    test('addMany, where an adapter offers it, is repeated add: the last vector of a label wins', async () => {
      const index = await make({ metric: 'euclidean', dimension: 2 });
      if (!index.addMany) return expect(index.addMany).toBeUndefined(); // optional member of the port
      await index.add(1, v(9, 9));
      await index.addMany([
        { label: 1, vector: v(3, 0) }, // replaces the vector added above
        { label: 2, vector: v(1, 0) },
        { label: 2, vector: v(0, 2) }, // a repeat within the batch: this one wins
        { label: 3, vector: v(0, 0) },
      ]);
      expect(await index.count()).toBe(3);
      const hits = await index.search(v(0, 0), 3);
      expect(hits.map((h) => h.label)).toEqual([3, 2, 1]);
      [0, 2, 3].forEach((d, i) => expect(hits[i].distance).toBeCloseTo(d, 5));
      await expect(async () => index.addMany!([{ label: 4, vector: v(1, 2, 3) }])).rejects.toThrow(RangeError);
      expect(await index.count()).toBe(3);
    });

    test('remove: the label is never returned again, and can be re-added', async () => {
      const index = await make({ metric: 'euclidean', dimension: 2 });
      await index.add(1, v(0, 0));
      await index.add(2, v(1, 0));
      await index.add(3, v(2, 0));
      expect(await index.remove(1)).toBe(true);
      expect(await index.remove(1)).toBe(false);
      expect(await index.has(1)).toBe(false);
      expect(await index.count()).toBe(2);
      expect((await index.labels()).sort()).toEqual([2, 3]);
      expect((await index.search(v(0, 0), 3)).map((h) => h.label)).toEqual([2, 3]);
      await index.add(1, v(5, 0));
      expect((await index.search(v(0, 0), 3)).map((h) => h.label)).toEqual([2, 3, 1]);
      expect((await index.search(v(0, 0), 3))[2].distance).toBeCloseTo(5, 5);
    });

    test('removing everything leaves a searchable empty index', async () => {
      const index = await make({ metric: 'cosine', dimension: 2 });
      await index.add(1, v(1, 0));
      await index.add(2, v(0, 1));
      await index.remove(1);
      await index.remove(2);
      expect(await index.count()).toBe(0);
      expect(await index.search(v(1, 1), 5)).toEqual([]);
    });

    test('capacity grows past the initial size', async () => {
      const index = await make({ metric: 'euclidean', dimension: 4, initialCapacity: 4 });
      const vectors = randomVectors(100, 4, 7);
      for (let i = 0; i < vectors.length; i++) await index.add(i, vectors[i]);
      expect(await index.count()).toBe(100);
      for (const i of [0, 50, 99]) {
        const [hit] = await index.search(vectors[i], 1);
        expect(hit.label).toBe(i);
        expect(hit.distance).toBeCloseTo(0, 5);
      }
    });

    test('removed labels never come back under churn (random adds, removes, replaces)', async () => {
      const dim = 8;
      const index = await make({ metric: 'euclidean', dimension: dim, initialCapacity: 16 });
      const r = rng(42);
      const truth = new Map<number, Float32Array>();
      for (let step = 0; step < 600; step++) {
        const label = Math.floor(r() * 80);
        if (r() < 0.35) {
          expect(await index.remove(label)).toBe(truth.delete(label));
        } else {
          const x = Float32Array.from({ length: dim }, () => r() * 2 - 1);
          await index.add(label, x);
          truth.set(label, x);
        }
      }
      expect(await index.count()).toBe(truth.size);
      // size: what this process knows without I/O; with no other writer it is the count.
      expect(index.size).toBe(truth.size);
      expect((await index.labels()).sort((a, b) => a - b)).toEqual([...truth.keys()].sort((a, b) => a - b));
      for (const q of randomVectors(20, dim, 5)) {
        const hits = await index.search(q, truth.size + 5);
        for (const h of hits) expect(truth.has(h.label)).toBe(true);
        expect(hits).toHaveLength(truth.size);
        for (const h of hits) expect(h.distance).toBeCloseTo(distance(q, truth.get(h.label)!, 'euclidean'), 4);
      }
    });

    test('results do not depend on insertion order (ties broken by label)', async () => {
      const vectors = randomVectors(200, 6, 11);
      // Two exact ties at distance 1 from the origin.
      vectors[0] = v(1, 0, 0, 0, 0, 0);
      vectors[1] = v(0, 1, 0, 0, 0, 0);
      const a = await make({ metric: 'euclidean', dimension: 6 });
      const b = await make({ metric: 'euclidean', dimension: 6 });
      for (let i = 0; i < vectors.length; i++) await a.add(i, vectors[i]);
      for (let i = vectors.length - 1; i >= 0; i--) await b.add(i, vectors[i]);
      for (const q of [v(0, 0, 0, 0, 0, 0), ...randomVectors(10, 6, 12)]) {
        expect((await b.search(q, 10)).map((h) => h.label)).toEqual((await a.search(q, 10)).map((h) => h.label));
      }
    });

    test.each(['euclidean', 'cosine'] as Metric[])('recall@10 ≥ 0.98 against brute force on 3000 random vectors (%s)', async (metric) => {
      const dim = 32;
      const data = randomVectors(3000, dim, 1234);
      const index = await make({ metric, dimension: dim });
      const truth = new Map<number, Float32Array>();
      for (let i = 0; i < data.length; i++) {
        await index.add(i, data[i]);
        truth.set(i, data[i]);
      }
      let found = 0;
      const queries = randomVectors(100, dim, 99);
      for (const q of queries) {
        const want = new Set(bruteForce(truth, q, 10, metric).map((h) => h.label));
        for (const h of await index.search(q, 10)) if (want.has(h.label)) found++;
      }
      expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.98);
    });
  });
}
