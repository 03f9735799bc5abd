import { HnswIndex } from '../../src/index/hnsw.index';
import { randomVectors, runVectorIndexContract } from './vector-index.contract';

runVectorIndexContract('HnswIndex', (o) => new HnswIndex({ ...o, M: 16, efConstruction: 100, ef: 64 }));

describe('HnswIndex specifics', () => {
  test('capacity doubles when full and deleted slots are reused before growing', () => {
    const index = new HnswIndex({ metric: 'euclidean', dimension: 4, initialCapacity: 4 });
    const vectors = randomVectors(12, 4, 1);
    for (let i = 0; i < 5; i++) index.add(i, vectors[i]);
    expect(index.capacity).toBe(8);
    for (let i = 5; i < 8; i++) index.add(i, vectors[i]);
    expect(index.capacity).toBe(8);
    index.remove(0);
    index.remove(1);
    expect(index.deletedCount).toBe(2);
    index.add(100, vectors[8]);
    index.add(101, vectors[9]);
    expect(index.deletedCount).toBe(0);
    expect(index.capacity).toBe(8); // the two tombstones were reused
    expect(index.size).toBe(8);
    index.add(102, vectors[10]);
    expect(index.capacity).toBe(16);
    expect(index.search(vectors[8], 1)[0].label).toBe(100);
  });

  test('a removed label whose slot was reused can be added again as a new point', () => {
    const index = new HnswIndex({ metric: 'euclidean', dimension: 2, initialCapacity: 2 });
    index.add(1, Float32Array.of(0, 0));
    index.add(2, Float32Array.of(1, 0));
    index.remove(1);
    index.add(3, Float32Array.of(2, 0)); // takes label 1's slot
    index.add(1, Float32Array.of(3, 0));
    expect(index.labels().sort()).toEqual([1, 2, 3]);
    expect(index.search(Float32Array.of(3, 0), 1)[0]).toEqual({ label: 1, distance: 0 });
    expect(index.search(Float32Array.of(0, 0), 3).map((h) => h.label)).toEqual([2, 3, 1]);
  });

  test('a removed label whose tombstone is still there is revived in place', () => {
    const index = new HnswIndex({ metric: 'euclidean', dimension: 2 });
    index.add(1, Float32Array.of(0, 0));
    index.add(2, Float32Array.of(1, 0));
    index.remove(1);
    index.add(1, Float32Array.of(4, 0));
    expect(index.deletedCount).toBe(0);
    expect(index.search(Float32Array.of(4, 0), 2).map((h) => h.label)).toEqual([1, 2]);
  });

  test('remove overwrites the stored vector before marking it deleted', () => {
    const index = new HnswIndex({ metric: 'euclidean', dimension: 3 });
    index.add(1, Float32Array.of(1, 2, 3));
    index.add(2, Float32Array.of(4, 5, 6));
    expect(index.vectorOf(1)).toEqual(Float32Array.of(1, 2, 3));
    index.remove(1);
    expect(index.vectorOf(1)).toBeUndefined();
    expect(index.search(Float32Array.of(1, 2, 3), 2).map((h) => h.label)).toEqual([2]);
  });

  test('compact drops tombstones and keeps every live vector findable', () => {
    const index = new HnswIndex({ metric: 'cosine', dimension: 8, initialCapacity: 16 });
    const vectors = randomVectors(40, 8, 9);
    vectors.forEach((x, i) => index.add(i, x));
    for (let i = 0; i < 40; i += 2) index.remove(i);
    expect(index.deletedCount).toBe(20);
    index.compact();
    expect(index.deletedCount).toBe(0);
    expect(index.size).toBe(20);
    expect(index.capacity).toBe(32);
    for (let i = 1; i < 40; i += 2) expect(index.search(vectors[i], 1)[0].label).toBe(i);
  });

  test('ef is settable and validated', () => {
    const index = new HnswIndex({ metric: 'euclidean', dimension: 2, ef: 10 });
    expect(index.ef).toBe(10);
    index.ef = 200;
    expect(index.ef).toBe(200);
    expect(() => {
      index.ef = 0;
    }).toThrow(RangeError);
  });
});
