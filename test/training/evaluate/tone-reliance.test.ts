import {
  chiSquare,
  remapStrokeTones,
  scanToneHistogram,
  strokeToneQuantiles,
  toneHistogram,
} from '../../../src/training/evaluate/tone-reliance';

describe('tone reliance helpers (session 25)', () => {
  it('pools the ink values of several inputs and takes their quantiles at (i + ½)/count', () => {
    // ink values 0.1, 0.2, 0.3, 0.5 (0 and 0.01 are paper); count 2 → positions ⌊0.25·4⌋ = 1 and ⌊0.75·4⌋ = 3
    const q = strokeToneQuantiles([Float32Array.of(0, 0.3, 0.1), Float32Array.of(0.01, 0.5, 0.2)], 2);
    expect(Array.from(q)).toEqual([Math.fround(0.2), Math.fround(0.5)]);
    expect(() => strokeToneQuantiles([Float32Array.of(0, 0.01)])).toThrow(/no ink/);
  });

  it('remaps ink values by mid-rank, ties together, paper untouched', () => {
    // ink 0.5, 0.1, 0.5, 0.9 (n = 4): 0.1 is rank 0 → u = 0.125 → q[0]; the two 0.5 share rank 1.5 → u = 0.5 → q[2];
    // 0.9 is rank 3 → u = 0.875 → q[3]
    const out = remapStrokeTones(Float32Array.of(0, 0.5, 0.1, 0.5, 0.9), [0.2, 0.4, 0.6, 0.8]);
    expect(Array.from(out)).toEqual([0, 0.6, 0.2, 0.6, 0.8].map(Math.fround));
  });

  it('gives the same output for any increasing tone curve of the same strokes', () => {
    const strokes = Float32Array.of(0, 0.3, 0.7, 0.05, 1, 0, 0.3);
    const curved = strokes.map((v) => (v > 0.02 ? v ** 2.2 * 0.9 + 0.05 : v));
    const q = [0.1, 0.3, 0.5, 0.7, 0.9];
    expect(Array.from(remapStrokeTones(curved, q))).toEqual(Array.from(remapStrokeTones(strokes, q)));
  });

  it('histograms ink values into equal bins of (0, 1] and scores them by χ²', () => {
    const h = toneHistogram(Float32Array.of(0, 0.1, 0.3, 0.35, 1), 4);
    expect(Array.from(h)).toEqual([0.25, 0.5, 0, 0.25]);
    expect(Array.from(toneHistogram(Float32Array.of(0, 0), 2))).toEqual([0, 0]);
    // (0.5 − 0)²/0.5 + (0.5 − 1)²/1.5 = 0.5 + 1/6
    expect(chiSquare([0.5, 0.5, 0], [0, 1, 0])).toBeCloseTo(0.5 + 1 / 6, 12);
  });

  it("histograms a raw scan's ink below Otsu's threshold in bins of g/t", () => {
    // levels 0 ×2, 100, 200 ×5: t ≤ 100 splits {0, 0} | {100, 200×5}: 2·6·183.3² = 403,333; t in 101–200 splits
    // {0, 0, 100} | {200×5}: 3·5·166.7² = 416,667, larger, first reached at t = 101. Ink 0, 0 → bin 0; 100/101·4 → bin 3
    const h = scanToneHistogram(Uint8Array.of(200, 0, 200, 100, 200, 0, 200, 200), 4);
    expect(Array.from(h)).toEqual([2 / 3, 0, 0, 1 / 3]);
  });
});
