import { synthScorer } from './signature-backend';
import { imitationSeed } from './synthetic-imitations';

const v = (...xs: number[]) => Float32Array.from(xs);
/** Euclidean on one axis, so every distance below is an absolute difference worked by hand. */
const dist = (a: Float32Array, b: Float32Array) => Math.abs(a[0] - b[0]);

describe('rule SYNTH scores (session 30, RULE-synth.md; signature-backend.ts synthScorer)', () => {
  // References at 0 and 2 (centroid 1); each one's leave-one-out centre is the other reference, so s = 2.
  // Imitations of r₁ = 0 at 3 and 5 lie 1 and 3 from r₂ = 2; of r₂ = 2 at −1 and 0 lie 1 and 0 from r₁ = 0:
  // f = (1 + 3 + 1 + 0) / 4 = 1.25.
  const r1 = v(0);
  const r2 = v(2);
  const imitations = new Map([
    [r1, [v(3), v(5)]],
    [r2, [v(-1), v(0)]],
  ]);

  it('SYNTH_MID reads d(q, c) − ½(s + f): q = 4 is 3 from c = 1, so 3 − ½(2 + 1.25) = 1.375', () => {
    const score = synthScorer('SYNTH_MID', dist, imitations)([r1, r2]);
    expect(score(v(4))).toBeCloseTo(1.375, 12);
    expect(score(v(1))).toBeCloseTo(-1.625, 12);
  });

  it('SYNTH_RATIO reads (d − s) / max(f − s, 10⁻³): f − s = −0.75 is floored, so q = 4 gives (3 − 2) / 0.001', () => {
    expect(synthScorer('SYNTH_RATIO', dist, imitations)([r1, r2])(v(4))).toBeCloseTo(1000, 6);
    // Imitations further out: of r₁ at 6 (4 from r₂), of r₂ at −4 (4 from r₁): f = 4, unit f − s = 2, q = 4 → ½.
    const wide = new Map([
      [r1, [v(6)]],
      [r2, [v(-4)]],
    ]);
    expect(synthScorer('SYNTH_RATIO', dist, wide)([r1, r2])(v(4))).toBeCloseTo(0.5, 12);
  });

  it('with one reference: s = 0 and f is the imitations’ distance to the reference itself', () => {
    // Imitations of r₁ = 0 at 3 and 5: f = 4; q = 6 gives 6 − ½·4 = 4 (MID) and 6 / 4 = 1.5 (RATIO).
    expect(synthScorer('SYNTH_MID', dist, imitations)([r1])(v(6))).toBeCloseTo(4, 12);
    expect(synthScorer('SYNTH_RATIO', dist, imitations)([r1])(v(6))).toBeCloseTo(1.5, 12);
  });

  it('refuses a reference without imitations (a key that is not the very embedding object)', () => {
    expect(() => synthScorer('SYNTH_MID', dist, imitations)([v(0), r2])).toThrow(/without imitations/);
  });

  it('seeds imitations by writer and file, each distinct within a writer', () => {
    expect(imitationSeed('05', 0, 1)).toBe(500_001);
    expect(imitationSeed('12', 23, 3)).toBe(1_202_303);
    const seeds = new Set(Array.from({ length: 24 * 4 }, (_, k) => imitationSeed('40', Math.floor(k / 4), k % 4)));
    expect(seeds.size).toBe(96);
  });
});
