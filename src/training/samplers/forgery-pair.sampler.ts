/**
 * Contrastive pairs for signature verification with skilled forgeries as the
 * hard negatives, after SigNet (Dey et al., "SigNet: Convolutional Siamese
 * Network for Writer Independent Offline Signature Verification", 2017): a
 * Siamese CNN trained with the contrastive loss on genuine–genuine pairs
 * (same) and genuine–forgery pairs of the same writer (different).
 *
 * A batch is half positives and half negatives:
 *   positive  two distinct genuine signatures of one writer;
 *   negative  with probability `forgeryShare`, a genuine signature of a writer
 *             and a skilled forgery *of that writer* (the hard case: made to
 *             look like it); otherwise a genuine signature of another writer
 *             (the easy case, which keeps writers apart in general).
 * Random other-writer negatives alone teach the encoder to tell names apart,
 * which a forger defeats by copying the name; the forgery negatives teach it
 * the strokes.
 *
 * Writers are drawn uniformly; forgeries are never paired with each other
 * (a writer's forgeries come from several forgers, so they are not "the same").
 *
 * Nearest writers (rule NEAR, session 46; nearest-writers.ts): with `hardWriterShare` > 0 and neighbours
 * set (`setNeighbours`, refreshed by the training loop from the encoder each epoch), that share of the
 * other-writer negatives pairs the anchor with one of its writer's nearest other writers instead of any.
 * With the share 0 the draws are exactly those of the sampler without it.
 */
import type { IndexedPair } from './pair.sampler';
import { Rng } from './rng';

export interface ForgeryPairSamplerOptions {
  seed: number;
  /** Share of negatives that are a skilled forgery of the anchor's writer (default 0.5). */
  forgeryShare?: number;
  /** Share of other-writer negatives drawn from the anchor writer's nearest writers once set (default 0). */
  hardWriterShare?: number;
}

export class ForgeryPairSampler {
  private readonly rng: Rng;
  /** Writers (group indices) with at least two genuine images. */
  private readonly writers: number[];
  /** Writers that also have forgeries. */
  private readonly forged: number[];
  private readonly forgeryShare: number;
  private readonly hardWriterShare: number;
  /** neighbours[w]: writer w's nearest other writers (group indices), or undefined before setNeighbours. */
  private neighbours: readonly (readonly number[])[] | undefined;

  /**
   * `genuine[w]`: image indices of writer w's genuine signatures; `forgeries[w]`: of
   * the skilled forgeries of writer w (may be empty). Indices into the same pixel list.
   */
  constructor(
    private readonly genuine: readonly (readonly number[])[],
    private readonly forgeries: readonly (readonly number[])[],
    options: ForgeryPairSamplerOptions,
  ) {
    if (forgeries.length !== genuine.length) throw new RangeError('forgeries needs one entry per writer');
    this.writers = genuine.map((g, w) => (g.length >= 2 ? w : -1)).filter((w) => w >= 0);
    if (this.writers.length < 2) throw new RangeError('forgery pair sampling needs at least two writers with two genuine signatures');
    this.forged = this.writers.filter((w) => forgeries[w].length > 0);
    this.forgeryShare = options.forgeryShare ?? 0.5;
    if (!(this.forgeryShare >= 0 && this.forgeryShare <= 1))
      throw new RangeError(`forgeryShare must be in [0, 1] (got ${this.forgeryShare})`);
    this.hardWriterShare = options.hardWriterShare ?? 0;
    if (!(this.hardWriterShare >= 0 && this.hardWriterShare <= 1))
      throw new RangeError(`hardWriterShare must be in [0, 1] (got ${this.hardWriterShare})`);
    this.rng = new Rng(options.seed);
  }

  /** The writers (group indices) whose genuine signatures may be drawn: every one with at least two. */
  get sampledWriters(): readonly number[] {
    return this.writers;
  }

  /** Writer w's genuine image indices, as given. */
  genuineOf(w: number): readonly number[] {
    return this.genuine[w];
  }

  /** Writers (groups) as given, drawable or not: the length setNeighbours expects. */
  get writerCount(): number {
    return this.genuine.length;
  }

  /** Each writer's nearest other writers (indexed by group; entries outside sampledWriters are ignored). */
  setNeighbours(neighbours: readonly (readonly number[])[]): void {
    if (neighbours.length !== this.genuine.length) throw new RangeError('neighbours needs one entry per writer');
    const drawable = new Set(this.writers);
    this.neighbours = neighbours.map((n, w) => n.filter((v) => v !== w && drawable.has(v)));
  }

  /** `size` pairs: ⌈size/2⌉ positives, ⌊size/2⌋ negatives, shuffled. */
  batch(size: number): IndexedPair[] {
    const out: IndexedPair[] = [];
    const nPos = Math.ceil(size / 2);
    for (let i = 0; i < nPos; i++) out.push(this.positive());
    for (let i = nPos; i < size; i++)
      out.push(this.rng.next() < this.forgeryShare && this.forged.length ? this.forgeryNegative() : this.otherWriterNegative());
    return this.rng.shuffle(out);
  }

  positive(): IndexedPair {
    const g = this.genuine[this.rng.pick(this.writers)];
    const i = this.rng.int(g.length);
    let j = this.rng.int(g.length - 1);
    if (j >= i) j++;
    return { a: g[i], b: g[j], same: true, weight: 1 };
  }

  /** A genuine signature of a writer and a skilled forgery of the same writer. */
  forgeryNegative(): IndexedPair {
    const w = this.rng.pick(this.forged);
    return { a: this.rng.pick(this.genuine[w]), b: this.rng.pick(this.forgeries[w]), same: false, weight: 1 };
  }

  /** Genuine signatures of two different writers (with nearest writers on, sometimes two near ones). */
  otherWriterNegative(): IndexedPair {
    if (this.hardWriterShare > 0 && this.neighbours && this.rng.next() < this.hardWriterShare) {
      const w = this.rng.pick(this.writers);
      const near = this.neighbours[w];
      if (near.length)
        return { a: this.rng.pick(this.genuine[w]), b: this.rng.pick(this.genuine[this.rng.pick(near)]), same: false, weight: 1 };
    }
    const wi = this.rng.int(this.writers.length);
    let wj = this.rng.int(this.writers.length - 1);
    if (wj >= wi) wj++;
    return {
      a: this.rng.pick(this.genuine[this.writers[wi]]),
      b: this.rng.pick(this.genuine[this.writers[wj]]),
      same: false,
      weight: 1,
    };
  }
}
