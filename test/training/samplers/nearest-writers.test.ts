import { nearestWriters, writerCentroids } from '../../../src/training/samplers/nearest-writers';

const f = (...v: number[]) => Float32Array.from(v);

describe('nearest writers (rule NEAR)', () => {
  it('a centroid is the mean of its writer’s embeddings; a writer without any has none', () => {
    // Writer 0: (0,0) and (2,4) → (1,2); writer 2: (3,1) alone; writer 1: nothing.
    const c = writerCentroids([f(0, 0), f(3, 1), f(2, 4)], [0, 2, 0], 3);
    expect(Array.from(c[0]!)).toEqual([1, 2]);
    expect(c[1]).toBeUndefined();
    expect(Array.from(c[2]!)).toEqual([3, 1]);
  });

  it('refuses an owner outside the writers and a length mismatch', () => {
    expect(() => writerCentroids([f(1)], [3], 2)).toThrow(/owner 3/);
    expect(() => writerCentroids([f(1)], [0, 1], 2)).toThrow(/one owner/);
  });

  it('orders the other writers by squared distance between centroids, ties by index, and skips writers without one', () => {
    // On a line: 0 at 0, 1 at 1, 2 at 3, 3 at −1, 4 none. From 0: 1 (d² 1) and 3 (d² 1) tie → 1 first, then 3, 2 (9).
    // From 2: 1 (4), 0 (9), 3 (16). From 3: 0 (1), 1 (4), 2 (16).
    const c = [f(0), f(1), f(3), f(-1), undefined];
    expect(nearestWriters(c, 2)).toEqual([[1, 3], [0, 2], [1, 0], [0, 1], []]);
    expect(nearestWriters(c, 10)[2]).toEqual([1, 0, 3]);
    expect(() => nearestWriters(c, 0)).toThrow(RangeError);
  });
});
