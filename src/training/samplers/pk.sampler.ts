/**
 * P×K batch sampler for triplet training with online mining (Hermans, Beyer &
 * Leibe 2017): P identities, K images each, so every anchor has K−1 positives
 * and (P−1)·K negatives inside the batch. Identities with fewer than K images
 * repeat images (drawn without replacement first); the trainer augments each
 * copy independently so repeats still differ.
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

export class PkSampler {
  private readonly rng: Rng;
  private readonly usable: number[];
  private order: number[] = [];

  constructor(
    private readonly groupsOfImages: readonly (readonly number[])[],
    readonly p: number,
    readonly k: number,
    seed: number,
  ) {
    if (p < 2 || k < 1) throw new RangeError(`P×K needs P ≥ 2 and K ≥ 1 (got ${p}×${k})`);
    // Prefer identities with at least two images: a single-image identity has no real positive.
    const multi = groupsOfImages.map((g, i) => (g.length >= 2 ? i : -1)).filter((i) => i >= 0);
    this.usable = multi.length >= p ? multi : groupsOfImages.map((g, i) => (g.length ? i : -1)).filter((i) => i >= 0);
    if (this.usable.length < 2) throw new RangeError('P×K sampling needs at least two identities with images');
    this.rng = new Rng(seed);
  }

  /** Identities are visited in shuffled epochs, so each appears about equally often. */
  batch(): PkBatch {
    const p = Math.min(this.p, this.usable.length);
    const chosen: number[] = [];
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
