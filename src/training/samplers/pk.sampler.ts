/**
 * P×K batch sampler for triplet training with online mining (Hermans, Beyer &
 * Leibe 2017): P identities, K images each, so every anchor has K−1 positives
 * and (P−1)·K negatives inside the batch. Identities with fewer than K images
 * repeat images (drawn without replacement first); the trainer augments each
 * copy independently so repeats still differ.
 *
 * Superclass batches (optional): with probability `fraction` a batch takes its
 * P identities from one superclass (an Omniglot alphabet), filling up from
 * the rest only if that superclass is short. Lake's one-shot test is 20-way
 * *within* an alphabet, so the negatives that matter are sibling characters;
 * random batches over 50 alphabets rarely hold two of them. This is the
 * "hard class" batch construction of Suh et al. 2019 (stochastic class-based
 * hard example mining) in its simplest form: classes grouped by a known
 * hierarchy instead of a learned one.
 */
import { Rng } from './rng';

export interface PkBatch {
  /** Image indices, grouped: K consecutive entries per identity. */
  indices: number[];
  /** Batch-local identity label (0..P−1) of each entry. */
  labels: number[];
  /** Identity (group) index of each entry, for bookkeeping. */
  groups: number[];
}

export interface SuperclassBatches {
  /** Superclass index of each identity (group), e.g. its alphabet. */
  superclassOf: readonly number[];
  /** Share of batches drawn from a single superclass, in [0, 1]. */
  fraction: number;
}

export class PkSampler {
  private readonly rng: Rng;
  private readonly usable: number[];
  private readonly bySuperclass: number[][] = [];
  private order: number[] = [];

  constructor(
    private readonly groupsOfImages: readonly (readonly number[])[],
    readonly p: number,
    readonly k: number,
    seed: number,
    private readonly superclasses?: SuperclassBatches,
  ) {
    if (p < 2 || k < 1) throw new RangeError(`P×K needs P ≥ 2 and K ≥ 1 (got ${p}×${k})`);
    // Prefer identities with at least two images: a single-image identity has no real positive.
    const multi = groupsOfImages.map((g, i) => (g.length >= 2 ? i : -1)).filter((i) => i >= 0);
    this.usable = multi.length >= p ? multi : groupsOfImages.map((g, i) => (g.length ? i : -1)).filter((i) => i >= 0);
    if (this.usable.length < 2) throw new RangeError('P×K sampling needs at least two identities with images');
    this.rng = new Rng(seed);
    if (superclasses) {
      if (superclasses.superclassOf.length !== groupsOfImages.length) throw new RangeError('superclassOf needs one entry per identity');
      const members = new Map<number, number[]>();
      for (const g of this.usable) members.set(superclasses.superclassOf[g], [...(members.get(superclasses.superclassOf[g]) ?? []), g]);
      // A one-identity superclass has no sibling negatives to offer.
      this.bySuperclass = [...members.values()].filter((m) => m.length >= 2);
    }
  }

  /** Identities are visited in shuffled epochs, so each appears about equally often. */
  batch(): PkBatch {
    const p = Math.min(this.p, this.usable.length);
    const chosen: number[] = [];
    if (this.superclasses && this.superclasses.fraction > 0 && this.bySuperclass.length && this.rng.next() < this.superclasses.fraction) {
      // Superclasses weighted by size, so every identity is equally likely to lead.
      const total = this.bySuperclass.reduce((n, m) => n + m.length, 0);
      let r = this.rng.next() * total;
      const pool = this.bySuperclass.find((m) => (r -= m.length) < 0) ?? this.bySuperclass[this.bySuperclass.length - 1];
      chosen.push(...this.rng.shuffle([...pool]).slice(0, p));
    }
    while (chosen.length < p) {
      if (this.order.length === 0) this.order = this.rng.shuffle([...this.usable]);
      const g = this.order.pop()!;
      if (!chosen.includes(g)) chosen.push(g);
    }
    const indices: number[] = [];
    const labels: number[] = [];
    const groups: number[] = [];
    chosen.forEach((g, label) => {
      const imgs = this.rng.shuffle([...this.groupsOfImages[g]]);
      for (let i = 0; i < this.k; i++) {
        indices.push(imgs[i % imgs.length]);
        labels.push(label);
        groups.push(g);
      }
    });
    return { indices, labels, groups };
  }
}
