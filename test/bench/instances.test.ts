import { runInstances } from '../../src/bench/instances';

test('without the compiled worker (ts sources under jest) it says why instead of failing', async () => {
  await expect(runInstances(2, { task: 'matmul', shape: { op: 'matMul', m: 2, k: 2, n: 2 }, budgetMs: 1 }, 1000)).resolves.toEqual({
    available: false,
    reason: expect.stringContaining('compiled build'),
  });
});
