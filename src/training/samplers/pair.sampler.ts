/**
 * Balanced pair sampler for contrastive training: half same-identity pairs,
 * half different-identity pairs per batch. Without balancing, random pairs are
 * almost all negatives (with 300 identities, 99.7%) and the encoder learns to
 * push everything apart.
 *
 * Single-image identities cannot form a positive pair of two distinct images;
 * for them the positive is the same image twice (`augmentBoth` tells the
 * trainer the two copies must be augmented independently, otherwise the pair
 * is trivially at distance 0).
 */
import { Rng } from './rng';

export interface IndexedPair {
  a: number;
  b: number;
  same: boolean;
  weight: number;
  /** True when a === b: only independent augmentation makes the pair informative. */
  augmentBoth?: boolean;
}

export interface PairSamplerOptions {
  seed: number;
  /** Explicit labelled pairs (image indices) mixed into batches, e.g. corrections from users. */
  explicitPairs?: IndexedPair[];
  /** Share of each batch drawn from explicitPairs when there are any (default 0.25). */
  explicitFraction?: number;
}

export class BalancedPairSampler {
  private readonly rng: Rng;
  private readonly multi: number[][];
  private readonly all: number[][];

  /** `groups[k]` holds the image indices of identity k. */
  constructor(
    groups: readonly (readonly number[])[],
    private readonly options: PairSamplerOptions,
  ) {
    this.all = groups.filter((g) => g.length > 0).map((g) => [...g]);
    if (this.all.length < 2) throw new RangeError('pair sampling needs at least two identities with images');
    this.multi = this.all.filter((g) => g.length >= 2);
    this.rng = new Rng(options.seed);
  }

  /** A batch of `size` pairs: ⌈size/2⌉ positives and ⌊size/2⌋ negatives (minus the explicit share). */
  batch(size: number): IndexedPair[] {
    const out: IndexedPair[] = [];
    const explicit = this.options.explicitPairs ?? [];
    const nExplicit = explicit.length ? Math.round(size * (this.options.explicitFraction ?? 0.25)) : 0;
    for (let i = 0; i < nExplicit; i++) out.push({ ...this.rng.pick(explicit) });
    const rest = size - nExplicit;
    const nPos = Math.ceil(rest / 2);
    for (let i = 0; i < nPos; i++) out.push(this.positive());
    for (let i = nPos; i < rest; i++) out.push(this.negative());
    return this.rng.shuffle(out);
  }

  positive(): IndexedPair {
    if (this.multi.length === 0) {
      const only = this.rng.pick(this.rng.pick(this.all));
      return { a: only, b: only, same: true, weight: 1, augmentBoth: true };
    }
    const g = this.rng.pick(this.multi);
    const i = this.rng.int(g.length);
    let j = this.rng.int(g.length - 1);
    if (j >= i) j++;
    return { a: g[i], b: g[j], same: true, weight: 1 };
  }

  negative(): IndexedPair {
    const gi = this.rng.int(this.all.length);
    let gj = this.rng.int(this.all.length - 1);
    if (gj >= gi) gj++;
    return { a: this.rng.pick(this.all[gi]), b: this.rng.pick(this.all[gj]), same: false, weight: 1 };
  }
}
