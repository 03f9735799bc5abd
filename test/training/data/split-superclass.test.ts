import { ErrorCode } from '../../../src/errors';
import { splitBySuperclass, splitForValidation, superclassOf } from '../../../src/training/data/split';

/** `perSuperclass` = identity counts per parent folder; two images per identity. */
function dataset(perSuperclass: Record<string, number>) {
  return Object.entries(perSuperclass).flatMap(([parent, n]) =>
    Array.from({ length: n * 2 }, (_, i) => ({ key: `${parent}/c${i >> 1}/${i & 1}.png`, identity: `${parent}/c${i >> 1}` })),
  );
}
const heldOut = (ids: string[]) => [...new Set(ids.map(superclassOf))].sort();

describe('superclass split (whole parent folders held out)', () => {
  it('takes whole superclasses until the fraction is met: with sizes 2, 3, 5 and target round(10 · 0.3) = 3 the outcomes are {B}, {C}, {A, B}, {A, C}', () => {
    // Taken in shuffled order until ≥ 3 identities: B (3) or C (5) alone suffices; A (2) first needs one more.
    const images = dataset({ 'root/A': 2, 'root/B': 3, 'root/C': 5 });
    const allowed = ['root/B', 'root/C', 'root/A,root/B', 'root/A,root/C'];
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const split = splitBySuperclass(images, 0.3, seed);
      const key = heldOut(split.validation.identities).join(',');
      expect(allowed).toContain(key);
      seen.add(key);
      // no superclass on both sides, every image kept once
      expect(heldOut(split.train.identities).filter((s) => key.split(',').includes(s))).toEqual([]);
      expect(split.train.images.length + split.validation.images.length).toBe(20);
    }
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });

  it('is seeded: the same seed gives the same split', () => {
    const images = dataset({ 'x/A': 4, 'x/B': 4, 'x/C': 4, 'x/D': 4 });
    expect(splitBySuperclass(images, 0.25, 7).validation.identities).toEqual(splitBySuperclass(images, 0.25, 7).validation.identities);
    expect(splitBySuperclass(images, 0.25, 7).validation.identities).toHaveLength(4);
  });

  it('never leaves fewer than 2 training identities: with A (5) and B (2) at fraction 0.9 (target 6) one folder goes, whatever the seed', () => {
    // A first: 5 < 6, then B would leave 0 for training (skipped). B first: 2 < 6, then A would leave 0 (skipped).
    const images = dataset({ 'p/A': 5, 'p/B': 2 });
    const outcomes = new Set<string>();
    for (let seed = 0; seed < 10; seed++) {
      const split = splitBySuperclass(images, 0.9, seed);
      const held = heldOut(split.validation.identities).join(',');
      expect(['p/A', 'p/B']).toContain(held);
      expect(split.train.identities).toHaveLength(held === 'p/A' ? 2 : 5);
      outcomes.add(held);
    }
    expect(outcomes.size).toBe(2);
  });

  it('refuses a split whose only possible validation folder holds 1 identity: A (5) and B (1)', () => {
    const images = dataset({ 'p/A': 5, 'p/B': 1 });
    for (let seed = 0; seed < 5; seed++)
      expect(() => splitBySuperclass(images, 0.5, seed)).toThrow(expect.objectContaining({ code: ErrorCode.DATASET_INVALID }));
  });

  it('fraction 0 holds nothing out; identities without 2 parent folders are refused with DATASET_INVALID', () => {
    const images = dataset({ 'p/A': 3, 'p/B': 3 });
    expect(splitBySuperclass(images, 0, 1).validation.identities).toEqual([]);
    const flat = Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, identity: `id${i % 3}` }));
    expect(() => splitBySuperclass(flat, 0.2, 1)).toThrow(expect.objectContaining({ code: ErrorCode.DATASET_INVALID }));
    expect(() => splitBySuperclass(dataset({ 'only/A': 5 }), 0.2, 1)).toThrow(/at least 2 parent folders/);
  });

  it('splitForValidation dispatches on the kind; identity is the default', () => {
    const images = dataset({ 'p/A': 5, 'p/B': 5 });
    expect(splitForValidation(images, 0.2, 3).validation.identities).toHaveLength(2);
    expect(heldOut(splitForValidation(images, 0.2, 3, 'superclass').validation.identities)).toHaveLength(1);
    expect(splitForValidation(images, 0.2, 3, 'superclass').validation.identities).toHaveLength(5);
  });
});
