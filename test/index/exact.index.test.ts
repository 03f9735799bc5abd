import { ExactIndex } from '../../src/index/exact.index';
import { distance } from '../../src/metric/metric';
import { randomVectors, runVectorIndexContract } from './vector-index.contract';

runVectorIndexContract('ExactIndex', (o) => new ExactIndex(o));

describe('ExactIndex specifics', () => {
  test.each(['euclidean', 'cosine'] as const)('distances are bit-identical to metric.ts (%s)', (metric) => {
    const data = randomVectors(50, 16, 3);
    data[7] = new Float32Array(16); // the zero vector: cosine distance 1 by definition
    const index = new ExactIndex({ metric, dimension: 16 });
    data.forEach((x, i) => index.add(i, x));
    for (const q of randomVectors(5, 16, 4)) {
      for (const hit of index.search(q, 50)) {
        expect(hit.distance).toBe(distance(q, data[hit.label], metric));
      }
    }
  });

  test('remove zeroes the vacated row so the removed bytes leave memory', () => {
    const index = new ExactIndex({ metric: 'euclidean', dimension: 2, initialCapacity: 4 });
    index.add(1, Float32Array.of(1, 2));
    index.add(2, Float32Array.of(3, 4));
    index.add(3, Float32Array.of(5, 6));
    index.remove(1);
    const { labels, vectors } = index.rows();
    expect([...labels].sort()).toEqual([2, 3]);
    expect([...vectors].sort()).toEqual([3, 4, 5, 6]);
    // The backing store beyond the live rows holds no trace of (1, 2).
    const backing = new Float32Array(vectors.buffer, 0, 4 * 2);
    expect([...backing].includes(1)).toBe(false);
    expect(index.vectorOf(3)).toEqual(Float32Array.of(5, 6));
    expect(index.vectorOf(1)).toBeUndefined();
  });
});
