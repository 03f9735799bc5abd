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
