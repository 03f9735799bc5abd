import { exactTopK } from '../../src/bench/exact-truth';
import { uniformVectors } from '../../src/bench/rng';
import { ExactIndex } from '../../src/index/exact.index';

/** The bench's blocked ground truth must be ExactIndex's answer, label for label and in order. */
test.each([
  [1000, 16, 13], // 13 queries: one full block of 8 and a short block of 5
  [300, 128, 8],
  [5, 4, 3], // fewer rows than k
])('exactTopK on %i × %i-d, %i queries = ExactIndex top-10', (n, dim, nq) => {
  const data = uniformVectors(n, dim, 1);
  const queries = uniformVectors(nq + 2, dim, 2); // more query rows than asked for: only nq are used
  const exact = new ExactIndex({ metric: 'euclidean', dimension: dim, initialCapacity: n });
  for (let i = 0; i < n; i++) exact.add(i, data.subarray(i * dim, (i + 1) * dim));
  const truth = exactTopK(data, queries, nq, dim, 10);
  expect(truth).toHaveLength(nq);
  for (let q = 0; q < nq; q++) {
    const expected = exact.search(queries.subarray(q * dim, (q + 1) * dim), 10).map((h) => h.label);
    expect(Array.from(truth[q])).toEqual(expected);
  }
});

test('ties are broken by the smaller label (hand-made: four rows at the same distance)', () => {
  // 1-d rows 2, 0, 4, 0, 2 against query 2: distances 0, 2, 2, 2, 0.
  const data = Float32Array.from([2, 0, 4, 0, 2]);
  const truth = exactTopK(data, Float32Array.from([2]), 1, 1, 4);
  expect(Array.from(truth[0])).toEqual([0, 4, 1, 2]);
});

test('progress is reported per block, ending at the total', () => {
  const seen: number[] = [];
  exactTopK(uniformVectors(50, 4, 3), uniformVectors(20, 4, 4), 20, 4, 10, (done, total) => {
    expect(total).toBe(20);
    seen.push(done);
  });
  expect(seen).toEqual([8, 16, 20]);
});
