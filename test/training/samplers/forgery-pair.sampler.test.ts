import { ForgeryPairSampler } from '../../../src/training/samplers/forgery-pair.sampler';

// Writer 0: genuine 0..3, forgeries 8..10; writer 1: genuine 4..7, forgeries 11..13.
const GENUINE = [
  [0, 1, 2, 3],
  [4, 5, 6, 7],
];
const FORGED = [
  [8, 9, 10],
  [11, 12, 13],
];
const writerOfGenuine = (i: number) => (i < 4 ? 0 : i < 8 ? 1 : -1);
const writerOfForgery = (i: number) => (i >= 8 && i <= 10 ? 0 : i >= 11 && i <= 13 ? 1 : -1);

describe('ForgeryPairSampler (SigNet pairs with skilled forgeries as negatives)', () => {
  it('half positives of two distinct genuine signatures of one writer, half negatives', () => {
    const s = new ForgeryPairSampler(GENUINE, FORGED, { seed: 1 });
    const batch = s.batch(200);
    const pos = batch.filter((p) => p.same);
    expect(pos).toHaveLength(100);
    for (const p of pos) {
      expect(p.a).not.toBe(p.b);
      expect(writerOfGenuine(p.a)).toBeGreaterThanOrEqual(0);
      expect(writerOfGenuine(p.a)).toBe(writerOfGenuine(p.b));
    }
  });

  it('a forgery negative pairs a genuine signature with a forgery of the same writer; never two forgeries', () => {
    const s = new ForgeryPairSampler(GENUINE, FORGED, { seed: 2, forgeryShare: 1 });
    const neg = s.batch(100).filter((p) => !p.same);
    expect(neg).toHaveLength(50);
    for (const p of neg) expect(writerOfForgery(p.b)).toBe(writerOfGenuine(p.a));
  });

  it('forgeryShare 0 gives only other-writer genuine negatives; 0.5 mixes both kinds', () => {
    const none = new ForgeryPairSampler(GENUINE, FORGED, { seed: 3, forgeryShare: 0 }).batch(100).filter((p) => !p.same);
    for (const p of none) {
      expect(writerOfGenuine(p.a)).toBeGreaterThanOrEqual(0);
      expect(writerOfGenuine(p.b)).toBeGreaterThanOrEqual(0);
      expect(writerOfGenuine(p.a)).not.toBe(writerOfGenuine(p.b));
    }
    const mixed = new ForgeryPairSampler(GENUINE, FORGED, { seed: 4 }).batch(1000).filter((p) => !p.same);
    const forgeries = mixed.filter((p) => writerOfForgery(p.b) >= 0).length;
    // Binomial(500, ½): 5 standard deviations ≈ 56.
    expect(Math.abs(forgeries - 250)).toBeLessThan(56);
  });

  it('refuses fewer than two writers and mismatched forgery lists', () => {
    expect(() => new ForgeryPairSampler([[0, 1]], [[2]], { seed: 1 })).toThrow(RangeError);
    expect(() => new ForgeryPairSampler(GENUINE, [[8]], { seed: 1 })).toThrow(RangeError);
    expect(() => new ForgeryPairSampler(GENUINE, FORGED, { seed: 1, forgeryShare: 2 })).toThrow(RangeError);
  });
});

// Four writers of four genuine signatures each (0..15), no forgeries: every negative is another writer's.
const FOUR = [0, 1, 2, 3].map((w) => [0, 1, 2, 3].map((i) => 4 * w + i));
const NONE = [[], [], [], []];
const writerOf = (i: number) => Math.floor(i / 4);

describe('ForgeryPairSampler with nearest writers (rule NEAR)', () => {
  it('share 1 draws every other-writer negative among the anchor writer’s neighbours once they are set', () => {
    const s = new ForgeryPairSampler(FOUR, NONE, { seed: 5, hardWriterShare: 1 });
    // Before setNeighbours any other writer comes up.
    const before = new Set(
      s
        .batch(400)
        .filter((p) => !p.same)
        .map((p) => `${writerOf(p.a)}-${writerOf(p.b)}`),
    );
    expect(before.size).toBe(12);
    // 0 ↔ 1 and 2 ↔ 3 are each other's only neighbour; a writer's own index in the list is dropped.
    s.setNeighbours([[1, 0], [0], [3], [2]]);
    const neg = s.batch(400).filter((p) => !p.same);
    expect(neg).toHaveLength(200);
    const near: Record<number, number> = { 0: 1, 1: 0, 2: 3, 3: 2 };
    for (const p of neg) expect(writerOf(p.b)).toBe(near[writerOf(p.a)]);
  });

  it('share ½ mixes near and far writers; share 0 draws exactly as the sampler without the option', () => {
    const half = new ForgeryPairSampler(FOUR, NONE, { seed: 6, hardWriterShare: 0.5 });
    half.setNeighbours([[1], [0], [3], [2]]);
    const neg = half.batch(2000).filter((p) => !p.same);
    const isNear = (p: { a: number; b: number }) => writerOf(p.a) + writerOf(p.b) === 1 || writerOf(p.a) + writerOf(p.b) === 5;
    // Near pairs: ½ hard, plus ⅓ of the uniform ½ (one of three other writers is the neighbour) = ⅔ of 1000.
    const share = neg.filter(isNear).length / neg.length;
    expect(share).toBeGreaterThan(0.6);
    expect(share).toBeLessThan(0.73);
    const plain = new ForgeryPairSampler(FOUR, NONE, { seed: 7 }).batch(64);
    const zero = new ForgeryPairSampler(FOUR, NONE, { seed: 7, hardWriterShare: 0 });
    zero.setNeighbours([[1], [0], [3], [2]]);
    expect(zero.batch(64)).toEqual(plain);
  });

  it('refuses a share outside [0, 1] and neighbours of the wrong length', () => {
    expect(() => new ForgeryPairSampler(FOUR, NONE, { seed: 1, hardWriterShare: 1.5 })).toThrow(/hardWriterShare/);
    expect(() => new ForgeryPairSampler(FOUR, NONE, { seed: 1 }).setNeighbours([[1]])).toThrow(/one entry per writer/);
  });
});
