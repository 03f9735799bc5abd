import { BalancedPairSampler } from '../../../src/training/samplers/pair.sampler';
import { PkSampler } from '../../../src/training/samplers/pk.sampler';
import { Rng } from '../../../src/training/samplers/rng';

// identity i holds images groups[i]
const groups = [[0, 1, 2], [3, 4], [5], [6, 7, 8, 9]];
const identityOf = (img: number) => groups.findIndex((g) => g.includes(img));

describe('Rng', () => {
  it('is reproducible from its seed and uniform-ish', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    expect(new Rng(8).next()).not.toBe(new Rng(7).next());
  });
});

describe('BalancedPairSampler', () => {
  it('gives half same / half different pairs with correct labels, reproducibly', () => {
    const s = new BalancedPairSampler(groups, { seed: 1 });
    const batch = s.batch(64);
    expect(batch).toHaveLength(64);
    expect(batch.filter((p) => p.same)).toHaveLength(32);
    for (const p of batch) {
      expect(identityOf(p.a) === identityOf(p.b)).toBe(p.same);
      if (p.same) expect(p.a).not.toBe(p.b); // distinct images exist for multi-image identities
    }
    expect(new BalancedPairSampler(groups, { seed: 1 }).batch(64)).toEqual(batch);
  });

  it('falls back to the same image twice (augmented independently) when no identity has two images', () => {
    const s = new BalancedPairSampler([[0], [1], [2]], { seed: 3 });
    const pos = s.batch(10).filter((p) => p.same);
    expect(pos).toHaveLength(5);
    for (const p of pos) expect(p).toMatchObject({ a: p.b, augmentBoth: true });
  });

  it('mixes in explicit labelled pairs with their weights', () => {
    const explicit = [{ a: 0, b: 5, same: false, weight: 4 }];
    const batch = new BalancedPairSampler(groups, { seed: 2, explicitPairs: explicit, explicitFraction: 0.25 }).batch(8);
    expect(batch.filter((p) => p.weight === 4)).toHaveLength(2);
  });
});

describe('PkSampler', () => {
  it('draws P identities × K images with batch-local labels', () => {
    const s = new PkSampler(groups, 2, 3, 5);
    for (let t = 0; t < 20; t++) {
      const b = s.batch();
      expect(b.indices).toHaveLength(6);
      expect(b.labels).toEqual([0, 0, 0, 1, 1, 1]);
      expect(new Set(b.groups.slice(0, 3)).size).toBe(1);
      expect(b.groups[0]).not.toBe(b.groups[3]);
      b.indices.forEach((img, i) => expect(identityOf(img)).toBe(b.groups[i]));
      // The single-image identity 2 is skipped when enough multi-image identities exist.
      expect(b.groups).not.toContain(2);
    }
  });

  it('visits every usable identity once per pass', () => {
    const s = new PkSampler(groups, 3, 2, 9);
    const seen = new Set<number>();
    for (let t = 0; t < 1; t++) s.batch().groups.forEach((g) => seen.add(g));
    expect([...seen].sort()).toEqual([0, 1, 3]);
  });
});

describe('PkSampler superclass batches', () => {
  // 8 identities of 2 images; identities 0–3 in superclass 0, 4–6 in 1, 7 alone in 2.
  const g8 = Array.from({ length: 8 }, (_, i) => [2 * i, 2 * i + 1]);
  const superclassOf = [0, 0, 0, 0, 1, 1, 1, 2];

  it('with fraction 1 draws every batch from one superclass when it has P identities', () => {
    const s = new PkSampler(g8, 3, 2, 11, { superclassOf, fraction: 1 });
    const seen = new Set<number>();
    for (let t = 0; t < 50; t++) {
      const b = s.batch();
      const supers = new Set(b.groups.map((g) => superclassOf[g]));
      expect(supers.size).toBe(1);
      expect(new Set(b.groups).size).toBe(3);
      seen.add([...supers][0]);
    }
    // Both superclasses with ≥ P identities lead some batches; the singleton never can.
    expect([...seen].sort()).toEqual([0, 1]);
  });

  it('fills a short superclass from the others and keeps identities distinct', () => {
    const s = new PkSampler(g8, 5, 2, 3, { superclassOf, fraction: 1 });
    for (let t = 0; t < 30; t++) {
      const b = s.batch();
      expect(new Set(b.groups).size).toBe(5);
      expect(b.labels).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    }
  });

  it('with fraction 0 matches the plain sampler draw for draw', () => {
    const plain = new PkSampler(g8, 3, 2, 5);
    const zero = new PkSampler(g8, 3, 2, 5, { superclassOf, fraction: 0 });
    for (let t = 0; t < 20; t++) expect(zero.batch()).toEqual(plain.batch());
  });

  it('with fraction 0.5 mixes single-superclass and random batches', () => {
    const s = new PkSampler(g8, 3, 2, 21, { superclassOf, fraction: 0.5 });
    let single = 0;
    for (let t = 0; t < 400; t++) if (new Set(s.batch().groups.map((g) => superclassOf[g])).size === 1) single++;
    // Superclass batches (~200) plus the few random batches that land in one superclass by chance.
    expect(single).toBeGreaterThan(160);
    expect(single).toBeLessThan(300);
  });

  it('rejects a superclass list of the wrong length', () => {
    expect(() => new PkSampler(g8, 3, 2, 1, { superclassOf: [0, 1], fraction: 0.5 })).toThrow(RangeError);
  });
});
