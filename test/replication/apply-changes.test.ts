import { ExactIndex } from '../../src/index/exact.index';
import { applyToIndex, type IndexChange } from '../../src/services/replication/apply-changes';

/** applyToIndex: idempotent and the same whatever rows were already applied (labels are never reused). */
describe('applyToIndex (issue 18)', () => {
  const v = (x: number) => Float32Array.from([x, 1, 0]);
  // The database after every change below: label 1 and 3 exist, 2 was erased.
  const db = new Map<number, Float32Array>([
    [1, v(1)],
    [3, v(3)],
  ]);
  const store = {
    vectorsByLabels: async (_version: string, labels: number[]) =>
      labels.filter((l) => db.has(l)).map((label) => ({ label, vector: db.get(label)! })),
  };
  const feed: IndexChange[] = [
    { kind: 'embedding.added', modelVersion: 'm1', label: 1 },
    { kind: 'embedding.added', modelVersion: 'm1', label: 2 },
    { kind: 'embedding.added', modelVersion: 'other', label: 7 },
    { kind: 'embedding.removed', modelVersion: 'm1', label: 2 },
    { kind: 'embedding.added', modelVersion: 'm1', label: 3 },
    { kind: 'model.activated', modelVersion: 'other', label: null },
  ];
  const fresh = () => new ExactIndex({ metric: 'euclidean', dimension: 3 });

  it('applies the rows of its version only', async () => {
    const index = fresh();
    expect(await applyToIndex(store, 'm1', index, feed)).toEqual({ added: 2, removed: 0 });
    expect(index.labels().sort()).toEqual([1, 3]);
  });

  it('a replay from any earlier position ends in the same index, and changes nothing the second time', async () => {
    for (let from = 0; from <= feed.length; from++) {
      const index = fresh();
      // The state at `from`, as a replica that applied the rows one by one would hold it (2 was live then).
      for (const c of feed.slice(0, from)) {
        if (c.modelVersion !== 'm1' || c.label === null) continue;
        if (c.kind === 'embedding.added') index.add(c.label, v(c.label));
        else index.remove(c.label);
      }
      await applyToIndex(store, 'm1', index, feed.slice(from));
      expect(index.labels().sort()).toEqual([1, 3]);
      expect(await applyToIndex(store, 'm1', index, feed)).toEqual({ added: 0, removed: 0 });
    }
  });
});
